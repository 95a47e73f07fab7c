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
  demo_hint: ["演示账号：{users} 等，密码 {password}", "Demo accounts: {users} …, password {password}"],
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
  // creating a project, its plan, the compliance preview (pages/project_new.ts, project_plan.ts)
  nav_new_project: ["新建项目", "New project"],
  live_new: ["新", "new"],
  new_project: ["新建项目", "New project"],
  new_project_not_applicant: ["您没有申报项目的角色", "You hold no role that may apply for a project"],
  level_province: ["省", "province"],
  level_city: ["市", "city"],
  level_county: ["县", "county"],
  level_township: ["乡镇", "township"],
  level_village: ["村", "village"],
  draw_area: ["在地图上绘制项目区", "Draw the area on the map"],
  draw_change: ["绘制规划变化地块", "Draw a planned change"],
  draw_cancel: ["取消绘制", "Cancel drawing"],
  draw_hint: ["在地图上单击添加拐点，单击第一个点（或按回车键）闭合，按退出键取消", "Click to add corners; click the first corner (or press Enter) to close; Esc cancels"],
  upload_geojson: ["上传地理数据文件", "Upload a GeoJSON file"],
  area_hint: ["绘制项目区，或上传地理数据文件（2000 国家大地坐标系经纬度）：不带地类字段的面为项目区，带现状地类和规划地类（三调地类或用地用海分类编码）字段的面为规划变化地块。", "Draw the area, or upload a GeoJSON file (CGCS2000 longitude/latitude): polygons without class fields are the area; polygons with a present class and a planned class (a 3rd-survey or a territorial-planning code) are planned changes."],
  area_none: ["尚未给出项目区", "No area yet"],
  area_drawn: ["已绘制项目区", "Area drawn"],
  area_uploaded: ["已读取 {name}（规划变化 {n} 处）", "Read {name} ({n} planned changes)"],
  upload_refused: ["文件未通过检查", "The file was refused"],
  create_project: ["创建项目（草稿）", "Create the project (draft)"],
  name_required: ["请填写项目名称", "Enter the project's name"],
  plan_changes: ["规划方案：地类变化", "Plan: land-use changes"],
  plan_hint: ["在项目区内绘制地块，选择现状地类（三调）和规划地类（三调或用地用海分类），保存后可合规预审。", "Draw plots inside the area, pick the present class (3rd national land survey) and the planned class (3rd-survey or territorial-planning classification), save, then run the preview check."],
  to_classification: ["规划地类分类", "Target classification"],
  classification_sd: ["三调工作分类", "3rd national land survey classes"],
  classification_yydh: ["用地用海分类", "Territorial spatial planning classes"],
  yydh_tag: ["（用地用海）", " (spatial planning)"],
  plan_changes_list: ["规划变更", "Planned changes"],
  from_code: ["现状地类", "From class"],
  to_code: ["规划地类", "To class"],
  measure_text: ["工程措施", "Measure"],
  choose_class: ["请选择地类", "Choose a class"],
  delete: ["删除", "Delete"],
  no_changes: ["尚无规划变化", "No planned change yet"],
  plan_unsaved: ["方案已修改，尚未保存", "Unsaved changes"],
  save_plan: ["保存方案", "Save the plan"],
  change_needs_classes: ["第 {n} 处变化须选择现状地类和规划地类", "Change {n} needs both classes"],
  preview_check: ["合规预审", "Preview compliance check"],
  preview_done: ["预审完成：{n} 项问题", "Preview done: {n} findings"],
  preview_hint: ["对当前方案做合规检查，只显示结果，不保存、不改变项目状态。", "Checks the current plan and shows the findings; nothing is stored, the state does not change."],
  compliance_preview: ["合规预审结果（未保存）", "Compliance preview (not stored)"],
  notice_days: ["公示天数", "Notice days"],
  // the later life of a project (pages/project_sections.ts)
  section_forbidden: ["您的角色无权查看此部分", "Your role may not see this part"],
  notice_comments: ["公示与意见", "Public notice and comments"],
  notice_none: ["尚未公示", "Not published yet"],
  notice_open: ["公示中", "Open"],
  notice_closed: ["公示期已结束", "Closed"],
  no_comments: ["暂无意见", "No comments"],
  reply: ["答复", "Reply"],
  no_reply: ["待答复", "Awaiting a reply"],
  progress: ["实施进度", "Progress"],
  overall_percent: ["总体进度", "Overall"],
  milestone: ["节点", "Milestone"],
  planned_date: ["计划日期", "Planned"],
  actual_date: ["实际日期", "Done on"],
  percent: ["完成", "Done"],
  no_milestones: ["尚无进度节点", "No milestones"],
  reports: ["进度报告与巡查（照片见地图标注）", "Reports and inspections (photos on the map)"],
  no_reports: ["尚无进度报告", "No reports"],
  photo: ["现场照片", "Site photo"],
  report_kind_report: ["进度报告", "Report"],
  report_kind_inspection: ["现场巡查", "Inspection"],
  outside_area: ["位置在项目区外", "outside the area"],
  funds: ["资金台账", "Fund ledger"],
  funds_allocated: ["已下达", "Allocated"],
  funds_disbursed: ["已拨付", "Disbursed"],
  funds_balance: ["结余", "Balance"],
  funds_pending: ["待审拨付", "Pending"],
  ledger_empty: ["暂无资金记录", "No entries"],
  ledger_kind: ["类别", "Kind"],
  ledger_allocation: ["资金下达", "Allocation"],
  ledger_disbursement: ["资金拨付", "Disbursement"],
  amount: ["金额（元）", "Amount (yuan)"],
  payee: ["收款方", "Payee"],
  note: ["备注", "Note"],
  evaluation: ["绩效评价", "Evaluation"],
  evaluation_none: ["尚无绩效指标", "No indicators yet"],
  total_score: ["综合得分", "Total score"],
  acceptance_met: ["达到验收要求", "Meets acceptance"],
  acceptance_not_met: ["未达验收要求", "Below acceptance"],
  indicator: ["指标", "Indicator"],
  unit_households: ["户", "households"],
  planned: ["计划", "Planned"],
  achieved: ["实现", "Achieved"],
  score: ["得分", "Score"],
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
  because_always: ["牵头部门始终参加会审", "the lead department always reviews"],
  because_type: ["项目类型为{type}", "the project's type is {type}"],
  because_rule: ["合规审查发现：{rule}", "the compliance check found: {rule}"],
  because_rule_any: ["合规审查发现违规或提示", "the compliance check found a problem"],
  because_overlap: ["项目区与{layer}重叠", "the area overlaps the {layer}"],
  because_overlap_any: ["项目区与管控线重叠", "the area overlaps a control line"],
  because_level1_11: ["规划涉及水域及水利设施用地", "the plan touches water and water-works land"],
  because_level1_10: ["规划涉及交通运输用地", "the plan touches transport land"],
  because_other: ["其他会审要求", "another review requirement"],
  open_project: ["查看项目", "Open project"],
  // map
  map_title: ["一张图", "The one map"],
  legend: ["图例", "Legend"],
  layers: ["图层", "Layers"],
  download: ["下载", "Download"],
  download_colon: ["下载：", "Download: "],
  print_colon: ["打印：", "Print: "],
  fmt_txt: ["坐标文本", "Coordinate TXT"],
  fmt_gpkg: ["地理数据包", "GeoPackage"],
  fmt_shp: ["矢量压缩包", "Shapefile zip (GBK)"],
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
  nav_parcels: ["我的地块", "My parcels"],
  parcels_title: ["我的承包地块调整", "My parcels in the reallocation"],
  parcels_empty: ["您的承包户暂无需要确认的权属调整方案", "No reallocation plan awaits your household"],
  household_code: ["承包方编码", "Household"],
  parcels_before: ["调整前", "Before"],
  parcels_after: ["调整后", "After"],
  parcels_count: ["地块数", "Parcels"],
  parcels_value: ["地块价值", "Land value"],
  crit_title: ["方案评价指标（调整前 → 调整后）", "The plan's criteria (before → after)"],
  crit_parcels_per_household: ["户均地块数", "Parcels per household"],
  crit_mean_area: ["平均地块面积（平方米）", "Mean parcel area (m²)"],
  crit_below_minimum: ["低于最小地块面积的农户比例", "Holdings below the minimum parcel"],
  crit_shape: ["形状指数（1 为正方形）", "Shape index (1 = a square)"],
  crit_ratio: ["长宽比", "Length/width ratio"],
  crit_distance: ["到家平均距离（米）", "Distance to home (m)"],
  crit_narrowest: ["最窄地块宽度（米）", "Narrowest parcel (m)"],
  crit_too_narrow: ["宽度不足 {m} 米的地块", "Parcels narrower than {m} m"],
  crit_no_access: ["不临路、不临沟渠的地块", "Parcels without a road or ditch"],
  crit_not_checked: ["未核查", "not checked"],
  parcels_confirm: ["确认新地块", "Confirm my new parcels"],
  parcels_object: ["提交异议", "Submit objection"],
  parcels_object_open: ["有异议？", "Object?"],
  objection_placeholder: ["请写明异议理由（必填）", "Say why you object (required)"],
  objection_reason: ["异议理由", "Reason"],
  parcels_status_pending: ["待确认：请查看调整后的地块并确认或提出异议", "Awaiting your answer: check the new parcels, then confirm or object"],
  parcels_status_confirmed: ["已确认", "Confirmed"],
  parcels_status_objected: ["已提出异议，进入调解", "Objection registered; mediation follows"],
  parcels_status_unchanged: ["保留原地块，无需确认", "You keep your parcels; nothing to confirm"],
  dispute_title: ["权属争议", "Dispute"],
  dispute_registered: ["已登记", "Registered"],
  dispute_mediation: ["调解中", "In mediation"],
  dispute_meeting: ["{date} 调解会议（{place}，调解人：{mediator}）", "{date} mediation meeting ({place}, mediator: {mediator})"],
  dispute_agreed: ["已达成调解协议", "Agreement reached"],
  dispute_escalated: ["已上报县自然资源局", "Escalated to the natural-resources bureau"],
  dispute_ruled: ["已作出处理决定", "Ruled"],
  view_on_map: ["在地图上查看", "View on the map"],
  not_found: ["未找到", "Not found"],
  // scheme comparison (pages/schemes.ts)
  nav_schemes: ["方案比选", "Schemes"],
  nav_stats: ["统计报表", "Tables"],
  nav_monitoring: ["监测预警", "Land-use monitoring"],
  nav_indicators: ["指标与收益", "Indicators & benefits"],
  nav_benefits: ["我的收益", "My benefits"],
  nav_assessment: ["智能评估", "Assessment"],
  schemes_title: ["方案比选", "Scheme comparison"],
  schemes_intro: ["同一整治单元的备选方案：地类变化、潜力、风险与投资，逼近理想解排序（熵权或层次分析法权重）", "Alternative schemes of one consolidation unit: land-use changes, potential, risks and cost, ranked by TOPSIS (entropy or AHP weights)"],
  scheme_unit: ["整治单元", "Consolidation unit"],
  no_schemes: ["暂无比选方案", "No schemes yet"],
  schemes_of_unit: ["单元 {unit} 的方案", "Schemes of unit {unit}"],
  scheme_cost: ["投资（元）", "Cost (yuan)"],
  scheme_new_cultivated: ["新增耕地", "New cultivated"],
  scheme_construction_reduced: ["建设用地减少", "Construction reduced"],
  scheme_ecological_restored: ["生态修复", "Ecological restored"],
  scheme_redline: ["占红线", "In red line"],
  scheme_pbf_loss: ["调出基本农田", "Basic farmland out"],
  scheme_social: ["社会影响", "Social impact"],
  scheme_relocated: ["搬迁户", "Households relocated"],
  scheme_affected: ["受影响户（人）", "Households affected (people)"],
  scheme_taken_per_household: ["户均调整承包地", "Contracted land changed per household"],
  scheme_relocation_estimated: ["按宅基地面积估算", "estimated from homestead land"],
  scheme_relocation_declared: ["安置方案申报", "declared in the resettlement plan"],
  scheme_households: ["户", "households"],
  scheme_people: ["人", "people"],
  scheme_simulate: ["模拟", "Simulate"],
  scheme_compare: ["比选排序", "Ranking"],
  scheme_need_two: ["比选至少需要两个方案", "A comparison needs at least two schemes"],
  weights_entropy: ["熵权法", "Entropy weights"],
  weights_ahp: ["层次分析法", "AHP weights"],
  ahp_placeholder: ["两两比较判断矩阵（指标列表与矩阵，数据格式见使用说明）", "Pairwise matrix JSON, e.g. {\"criteria\": [...], \"matrix\": [[1, 3], [\"1/3\", 1]]}"],
  scheme_compare_run: ["比选", "Compare"],
  ahp_consistency: ["一致性检验：最大特征根 {l}，一致性指标 {ci}，随机一致性指标 {ri}，一致性比率 {cr} < 0.1", "AHP consistency: λmax {l} · CI {ci} · RI {ri} · CR {cr} < 0.1"],
  ahp_malformed: ["判断矩阵格式有误", "The AHP matrix is not valid JSON"],
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

// t() as a DOM fragment whose variables are marked as data (data-user: names, codes, notes the
// interface shows but does not translate; the e2e language walk skips them).
export function tData(key: string, vars: Record<string, string | number> = {}): DocumentFragment {
  const e = table[key];
  const s = e ? e[current === "zh" ? 0 : 1] : `⟦${key}⟧`;
  const out = document.createDocumentFragment();
  for (const part of s.split(/(\{\w+\})/)) {
    const name = /^\{(\w+)\}$/.exec(part)?.[1];
    if (name !== undefined && name in vars) {
      const span = document.createElement("span");
      span.setAttribute("data-user", "");
      span.textContent = String(vars[name]);
      out.append(span);
    } else if (part) out.append(part);
  }
  return out;
}

// A project type (data/review_requirements.json names them in Chinese) in the current language.
const projectTypeNames: Record<string, string> = {
  农用地整理: "Farmland consolidation",
  建设用地整理: "Construction land consolidation",
  生态保护修复: "Ecological protection and restoration",
  乡村历史文化保护: "Rural historic and cultural protection",
};
export function typeName(type: string): string {
  return current === "en" ? projectTypeNames[type] ?? type : type;
}

export function has(key: string): boolean {
  return key in table;
}

// Pages keep their own strings in a table of their own (i18n_*.ts) and add them here at load.
export function addStrings(more: Record<string, [string, string]>) {
  for (const [k, v] of Object.entries(more)) if (!(k in table)) table[k] = v;
}

// MapLibre's own texts (control tooltips, the scale) in the current language.
export function mapLocale(): Record<string, string> {
  return current === "zh"
    ? { "Map.Title": "地图", "NavigationControl.ZoomIn": "放大", "NavigationControl.ZoomOut": "缩小", "NavigationControl.ResetBearing": "拖动旋转地图，单击恢复正北",
        "Popup.Close": "关闭", "Marker.Title": "地图标注", "ScaleControl.Meters": "米", "ScaleControl.Kilometers": "公里",
        "FullscreenControl.Enter": "全屏", "FullscreenControl.Exit": "退出全屏", "GeolocateControl.FindMyLocation": "定位",
        "GeolocateControl.LocationNotAvailable": "无法定位", "LogoControl.Title": "地图引擎标志", "AttributionControl.ToggleAttribution": "数据来源",
        "CooperativeGesturesHandler.WindowsHelpText": "按住控制键并滚动滚轮缩放地图", "CooperativeGesturesHandler.MacHelpText": "按住命令键并滚动滚轮缩放地图",
        "CooperativeGesturesHandler.MobileHelpText": "用两指移动地图" }
    : {};
}

// A note in parentheses: "（x）" in Chinese, " (x)" in English.
export function paren(s: string | number): string {
  return current === "zh" ? `（${s}）` : ` (${s})`;
}

// The colon after a label: "：" in Chinese, ": " in English.
export function colon(): string {
  return current === "zh" ? "：" : ": ";
}

// A download format's name: the coordinate text, GeoPackage, the GBK Shapefile zip.
export function formatName(format: string): string {
  return t("fmt_" + format);
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
