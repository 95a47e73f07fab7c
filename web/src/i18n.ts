// Every string the app shows, in zh-CN (default) and English. t(key) looks a key up in the current
// language; a missing key is a bug the test suite catches (it renders as ⟦key⟧).
export type Lang = "zh" | "en";

const table: Record<string, [string, string]> = {
  app_name: ["共治", "Gongzhi"],
  app_subtitle: ["全域土地综合整治协同治理平台", "Whole-region land consolidation platform"],
  lang_switch: ["English", "中文"],
  sign_in: ["登录", "Sign in"],
  sign_out: ["退出", "Sign out"],
  username: ["用户名", "Username"],
  password: ["密码", "Password"],
  signing_in: ["正在登录…", "Signing in…"],
  demo_hint: ["演示账号：zrzy、nyncj、sthjj、zhen、cun、cunmin 等，密码 gongzhi-demo", "Demo accounts: zrzy, nyncj, sthjj, zhen, cun, cunmin …, password gongzhi-demo"],
  nav_home: ["首页", "Home"],
  nav_map: ["一张图", "Map"],
  nav_inbox: ["会审待办", "Review inbox"],
  nav_village: ["本村", "My village"],
  loading: ["加载中…", "Loading…"],
  error: ["出错了", "Error"],
  home_title: ["工作台", "Workbench"],
  my_tasks: ["我的待办", "My tasks"],
  no_tasks: ["暂无待办", "Nothing to do"],
  review_owed: ["待会审：{dept}", "Review owed: {dept}"],
  my_projects: ["项目库", "Projects"],
  no_projects: ["暂无项目", "No projects"],
  regions: ["行政区", "Regions"],
  projects_by_state: ["项目状态分布", "Projects by state"],
  col_code: ["项目编号", "Code"],
  col_name: ["项目名称", "Name"],
  col_type: ["类型", "Type"],
  col_state: ["状态", "State"],
  col_area: ["面积", "Area"],
  col_region: ["区域", "Region"],
  role: ["角色", "Role"],
  department: ["部门", "Department"],
  region: ["区域", "Region"],
  // roles
  role_leader_group: ["领导小组", "Leader group"],
  role_lead_department: ["牵头部门", "Lead department"],
  role_co_reviewing_department: ["会审部门", "Co-reviewing department"],
  role_township: ["乡镇", "Township"],
  role_village_collective: ["村集体", "Village collective"],
  role_villager: ["村民", "Villager"],
  role_investor: ["社会资本", "Investor"],
  role_expert: ["第三方专家", "Expert"],
  role_auditor: ["审计监督", "Auditor"],
  role_admin: ["管理员", "Administrator"],
  // states
  state_draft: ["草稿", "Draft"],
  state_submitted: ["已申报", "Submitted"],
  state_compliance_checked: ["已合规审查", "Compliance checked"],
  state_joint_review: ["会审中", "Joint review"],
  state_approved: ["已立项", "Approved"],
  state_returned: ["已退回", "Returned"],
  state_rejected: ["未通过", "Rejected"],
  state_public_notice: ["公示中", "Public notice"],
  state_implementation: ["实施中", "Implementation"],
  state_completed: ["已竣工", "Completed"],
  state_accepted: ["已验收", "Accepted"],
  state_evaluated: ["已绩效评价", "Evaluated"],
  state_maintenance: ["管护中", "Maintenance"],
  // actions
  action_submit: ["申报", "Submit"],
  action_check_compliance: ["合规审查", "Check compliance"],
  action_start_review: ["发起会审", "Start joint review"],
  action_approve: ["立项", "Approve"],
  action_return: ["退回修改", "Return for revision"],
  action_reject: ["不予立项", "Reject"],
  action_publish_notice: ["发布公示", "Publish notice"],
  action_start_implementation: ["开工实施", "Start implementation"],
  action_complete: ["竣工", "Complete"],
  action_accept: ["验收", "Accept"],
  action_evaluate: ["绩效评价", "Evaluate"],
  action_start_maintenance: ["移交管护", "Hand over for maintenance"],
  action_done: ["操作成功：{action}", "Done: {action}"],
  action_refused: ["操作被拒绝", "Refused"],
  actions: ["可执行操作", "Actions"],
  no_actions: ["当前无可执行的操作", "No action available to you"],
  comment: ["说明（可选）", "Comment (optional)"],
  // project page
  project: ["项目", "Project"],
  back: ["返回", "Back"],
  history: ["流程记录", "History"],
  reviews: ["部门会审意见", "Department reviews"],
  no_reviews: ["尚无会审", "No reviews yet"],
  review_pending: ["待审", "Pending"],
  decision_approve: ["同意", "Approve"],
  decision_approve_with_conditions: ["有条件同意", "Approve with conditions"],
  decision_reject: ["不同意", "Reject"],
  round: ["第 {n} 轮", "Round {n}"],
  compliance: ["合规审查结果", "Compliance findings"],
  compliance_none: ["尚未进行合规审查", "Not checked yet"],
  compliance_stale: ["方案已修改，审查结果已过期", "The plan changed since the check"],
  compliance_clean: ["未发现违规", "No findings"],
  checked_at: ["审查时间", "Checked at"],
  project_area: ["项目区面积", "Project area"],
  overlaps: ["与管控线重叠", "Overlaps with control lines"],
  finding_area: ["面积", "Area"],
  share: ["占比", "Share"],
  severity_error: ["违规", "Violation"],
  severity_warning: ["提示", "Warning"],
  obligations: ["会审条件", "Review conditions"],
  from_to: ["{from} → {to}", "{from} → {to}"],
  time: ["时间", "Time"],
  actor: ["操作人", "By"],
  notice: ["公示期", "Public notice"],
  // inbox
  inbox_title: ["会审待办", "Reviews to give"],
  inbox_empty: ["本部门暂无待会审项目", "No review owed by your department"],
  review_form: ["会审意见", "Review"],
  decision: ["意见", "Decision"],
  opinion: ["审查意见", "Opinion"],
  conditions: ["条件（每行一条）", "Conditions (one per line)"],
  submit_review: ["提交会审意见", "Submit review"],
  review_saved: ["会审意见已提交", "Review submitted"],
  required_because: ["会审依据", "Required because"],
  open_project: ["查看项目", "Open project"],
  // map
  map_title: ["一张图", "The one map"],
  legend: ["图例", "Legend"],
  layers: ["图层", "Layers"],
  layer_land_use: ["土地利用现状（三调）", "Land use (3rd survey)"],
  layer_redline: ["生态保护红线", "Ecological red line"],
  layer_pbf: ["永久基本农田", "Permanent basic farmland"],
  layer_udb: ["城镇开发边界", "Urban development boundary"],
  layer_village_plan: ["村庄规划", "Village plan"],
  layer_units: ["整治单元", "Consolidation units"],
  layer_region: ["行政区", "Administrative regions"],
  layer_projects: ["项目区", "Project areas"],
  layer_findings: ["合规问题", "Compliance findings"],
  layer_overlaps: ["管控线重叠", "Control line overlaps"],
  tiles_unavailable: ["矢量瓦片服务未启用：仅显示项目区", "Vector tiles not available: project areas only"],
  version: ["版本 {v}", "version {v}"],
  identify_hint: ["点击地图查看要素属性", "Click the map to identify a feature"],
  identify_none: ["此处无要素", "No feature here"],
  attributes: ["属性", "Attributes"],
  measure: ["测面积", "Measure area"],
  measure_stop: ["结束测量", "Finish"],
  measure_clear: ["清除", "Clear"],
  measure_hint: ["单击添加顶点，双击结束", "Click to add vertices, double-click to finish"],
  measure_result: ["约 {m2} m² · {mu} 亩 · {ha} 公顷（球面近似）", "≈ {m2} m² · {mu} mu · {ha} ha (spherical approximation)"],
  unit_m2: ["平方米", "m²"],
  unit_mu: ["亩", "mu"],
  unit_ha: ["公顷", "ha"],
  // village
  village_title: ["本村项目", "Projects in my village"],
  village_empty: ["本村暂无公开项目", "No public project in your village"],
  village_of: ["所在村：{name}", "Village: {name}"],
  view_on_map: ["在地图上查看", "View on the map"],
  not_found: ["未找到", "Not found"],
  // scheme comparison (pages/schemes.ts)
  nav_schemes: ["方案比选", "Schemes"],
  schemes_title: ["方案比选", "Scheme comparison"],
  schemes_intro: ["同一整治单元的备选方案：地类变化、潜力、风险与投资，TOPSIS 排序（熵权或层次分析法权重）", "Alternative schemes of one consolidation unit: land-use changes, potential, risks and cost, ranked by TOPSIS (entropy or AHP weights)"],
  scheme_unit: ["整治单元", "Consolidation unit"],
  no_schemes: ["暂无比选方案", "No schemes yet"],
  schemes_of_unit: ["单元 {unit} 的方案", "Schemes of unit {unit}"],
  scheme_cost: ["投资（元）", "Cost (yuan)"],
  scheme_new_cultivated: ["新增耕地", "New cultivated"],
  scheme_construction_reduced: ["建设用地减少", "Construction reduced"],
  scheme_ecological_restored: ["生态修复", "Ecological restored"],
  scheme_redline: ["占红线", "In red line"],
  scheme_pbf_loss: ["调出基本农田", "Basic farmland out"],
  scheme_simulate: ["模拟", "Simulate"],
  scheme_compare: ["比选排序", "Ranking"],
  scheme_need_two: ["比选至少需要两个方案", "A comparison needs at least two schemes"],
  weights_entropy: ["熵权法", "Entropy weights"],
  weights_ahp: ["层次分析法（AHP）", "AHP weights"],
  ahp_placeholder: ["判断矩阵 JSON，如 {\"criteria\": [...], \"matrix\": [[1, 3], [\"1/3\", 1]]}", "Pairwise matrix JSON, e.g. {\"criteria\": [...], \"matrix\": [[1, 3], [\"1/3\", 1]]}"],
  scheme_compare_run: ["比选", "Compare"],
  scheme_rank: ["排名", "Rank"],
  scheme_closeness: ["贴近度", "Closeness"],
  scheme_explain: ["各指标的贡献", "Contribution of each criterion"],
  scheme_criterion: ["指标", "Criterion"],
  scheme_value: ["原值", "Value"],
  scheme_normalised: ["标准化值", "Normalised"],
  scheme_weight: ["权重", "Weight"],
  scheme_weighted: ["加权值", "Weighted"],
  scheme_contribution: ["贡献", "Contribution"],
  scheme_simulation: ["方案 {code} 模拟", "Simulation of {code}"],
  scheme_scenario_made: ["{original} 未改动，情景图层 {scenario}", "{original} unchanged; scenario layer {scenario}"],
  scheme_before: ["现状", "Before"],
  scheme_after: ["规划后", "After"],
  scheme_change: ["变化", "Change"],
  scheme_scenario: ["情景图层实测", "Scenario measured"],
};

let current: Lang = (localStorage.getItem("gongzhi.lang") as Lang) || "zh";

export function lang(): Lang {
  return current;
}

export function setLang(l: Lang) {
  current = l;
  localStorage.setItem("gongzhi.lang", l);
  document.documentElement.lang = l === "zh" ? "zh-CN" : "en";
}

export function t(key: string, vars: Record<string, string | number> = {}): string {
  const e = table[key];
  let s = e ? e[current === "zh" ? 0 : 1] : `⟦${key}⟧`;
  for (const [k, v] of Object.entries(vars)) s = s.replaceAll(`{${k}}`, String(v));
  return s;
}

export function has(key: string): boolean {
  return key in table;
}

// Areas in the three units planners use: m², mu (1 mu = 10000/15 m²) and hectares.
export function fmtArea(m2: number): string {
  const nf = (x: number, d: number) =>
    x.toLocaleString(current === "zh" ? "zh-CN" : "en-US", { maximumFractionDigits: d, minimumFractionDigits: d });
  return `${nf(m2, 1)} ${t("unit_m2")} · ${nf(m2 / (10000 / 15), 2)} ${t("unit_mu")} · ${nf(m2 / 10000, 4)} ${t("unit_ha")}`;
}

export function fmtTime(iso: string): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (isNaN(d.getTime())) return iso;
  return d.toLocaleString(current === "zh" ? "zh-CN" : "en-GB", { hour12: false });
}

setLang(current);
