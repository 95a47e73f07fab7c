// Strings of the audit trail: the auditor's page (pages/audit.ts), a project's activity
// (pages/project_activity.ts) and the app's not-found page. Every action the server records
// (the `action` of an audit entry) has a name here; an unknown one is named by its domain.
import { addStrings, has, t } from "./i18n";

addStrings({
  nav_audit: ["审计日志", "Audit log"],
  au_title: ["审计日志", "Audit log"],
  au_intro: ["平台的每一次变更都记入防篡改的哈希链日志。可按项目、操作人、操作类别和时间检索，点开一条查看变更前后。",
    "Every change on the platform is written to a tamper-evident hash-chained log. Search it by project, user, action and time; open an entry to see before and after."],
  au_project: ["项目编号", "Project code"],
  au_actor: ["操作人", "User"],
  au_action: ["操作类别", "Action"],
  au_any: ["全部", "All"],
  au_from: ["起始日期", "From"],
  au_to: ["截止日期", "To"],
  au_search: ["检索", "Search"],
  au_reset: ["清除条件", "Clear"],
  au_download: ["下载 Excel 表格", "Download Excel"],
  au_seq: ["序号", "No."],
  au_time: ["时间", "Time"],
  au_object: ["对象", "Object"],
  au_none: ["没有符合条件的记录", "No entries match"],
  au_more: ["更早的记录", "Older entries"],
  au_count: ["已显示 {n} 条", "{n} entries shown"],
  au_detail: ["记录详情", "Entry detail"],
  au_field: ["字段", "Field"],
  au_before: ["变更前", "Before"],
  au_after: ["变更后", "After"],
  au_value: ["内容", "Value"],
  au_raw: ["原始记录（哈希覆盖的内容）", "Raw record (what the hash covers)"],
  au_hash: ["本条哈希", "Hash"],
  au_prev_hash: ["上一条哈希", "Previous hash"],
  au_chain: ["哈希链校验", "Hash chain"],
  au_chain_ok: ["完整：已核验至第 {n} 条", "Intact: verified up to entry {n}"],
  au_chain_bad: ["第 {bad} 条起不一致：已核验至第 {n} 条", "Broken at entry {bad}: verified up to entry {n}"],
  au_chain_checking: ["正在校验…", "Verifying…"],
  au_reverify: ["重新校验", "Verify again"],
  au_refused: ["仅审计监督人员和管理员可查看审计日志", "Only auditors and administrators may read the audit log"],
  au_obj_project: ["项目 {x}", "Project {x}"],
  au_obj_feedback: ["村民意见第 {x} 号", "Villager feedback no. {x}"],
  au_obj_notice: ["村务公告第 {x} 号", "Village notice no. {x}"],
  au_obj_user: ["用户 {x}", "User {x}"],
  au_obj_order: ["督办单第 {x} 号", "Supervision order no. {x}"],
  au_obj_other: ["{x}", "{x}"],
  au_system: ["系统", "System"],
  au_demo: ["演示数据", "Demo data"],
  au_cli: ["命令行：{x}", "Command line: {x}"],
  unit_yuan: ["元", "yuan"],
  activity: ["办理记录", "Activity"],
  activity_intro: ["本项目的全部操作：方案保存、会审意见、资金、公示、意见与异议、状态变化。", "Every action on this project: plan saves, reviews, money, notices, feedback and objections, state changes."],
  activity_none: ["暂无记录", "No activity yet"],
  activity_what: ["事项", "What"],
  activity_note: ["说明", "Note"],
  not_found_title: ["页面不存在", "Page not found"],
  not_found_text: ["您访问的地址没有对应的页面，可能已被移动或输入有误。", "There is no page at this address; it may have moved or been mistyped."],
  not_found_home: ["返回首页", "Back to the home page"],
  // Domains of actions (the part before the dot), for an action without a name of its own.
  au_project_ph: ["项目编号", "project code"],
  ad_project: ["项目", "Project"], ad_funds: ["资金", "Funds"], ad_progress: ["实施进度", "Progress"],
  ad_participation: ["村民参与", "Participation"], ad_rights: ["权属", "Land rights"], ad_scheme: ["方案比选", "Schemes"],
  ad_order: ["督办", "Supervision"], ad_user: ["用户", "Users"], ad_session: ["登录", "Sign-in"], ad_admin: ["系统管理", "Administration"],
  ad_evaluation: ["绩效评价", "Evaluation"], ad_village_plan: ["村庄规划", "Village plan"], ad_grant: ["授权", "Grants"],
  ad_regions: ["行政区", "Regions"], ad_other: ["其他", "Other"],
  ad_other_action: ["{domain}：其他操作", "{domain}: other action"],
  // Actions.
  "act_project.create": ["新建项目", "Project created"],
  "act_project.plan": ["保存规划方案", "Plan saved"],
  "act_project.review": ["会审意见", "Review given"],
  "act_project.acknowledge_finding": ["确认合规提示", "Compliance warning acknowledged"],
  "act_project.obligation_fulfilled": ["落实会审条件", "Review condition fulfilled"],
  "act_funds.allocate": ["安排资金", "Money allocated"],
  "act_funds.source_create": ["登记资金来源", "Fund source registered"],
  "act_funds.disbursement_request": ["申请拨付", "Payment requested"],
  "act_funds.disbursement_approve": ["批准拨付", "Payment approved"],
  "act_funds.voucher_attach": ["上传拨付凭证", "Payment voucher attached"],
  "act_funds.disbursement_refuse": ["不予拨付", "Payment refused"],
  "act_progress.milestone_add": ["新增节点", "Milestone added"],
  "act_progress.report": ["填报进度", "Progress reported"],
  "act_progress.photo_upload": ["上传现场照片", "Site photo uploaded"],
  "act_progress.inspection": ["现场检查", "Site inspection"],
  "act_progress.completion": ["节点完成", "Milestone completed"],
  "act_participation.comment": ["公示留言", "Notice comment"],
  "act_participation.comment_reply": ["回复留言", "Comment answered"],
  "act_participation.feedback_submit": ["村民意见/异议", "Villager feedback or objection"],
  "act_participation.feedback_answer": ["答复意见", "Feedback answered"],
  "act_participation.feedback_close": ["办结意见", "Feedback closed"],
  "act_participation.feedback_escalate": ["意见逾期上报", "Feedback escalated"],
  "act_participation.notice_publish": ["发布村务公告", "Village notice published"],
  "act_participation.representatives": ["确定村民代表", "Representatives set"],
  "act_participation.survey_create": ["发起问卷", "Survey opened"],
  "act_participation.survey_close": ["结束问卷", "Survey closed"],
  "act_participation.survey_response": ["填写问卷", "Survey answered"],
  "act_participation.vote_open": ["发起表决", "Vote opened"],
  "act_participation.vote_close": ["结束表决", "Vote closed"],
  "act_participation.ballot": ["投票", "Ballot cast"],
  "act_rights.plan_record": ["登记权属调整方案", "Rights plan recorded"],
  "act_rights.plan_job_start": ["开始计算权属调整", "Rights calculation started"],
  "act_rights.plan_job_failed": ["权属调整计算失败", "Rights calculation failed"],
  "act_rights.plan_job_abandoned": ["权属调整计算中断", "Rights calculation abandoned"],
  "act_rights.confirm": ["农户确认", "Household confirmed"],
  "act_rights.object": ["农户异议", "Household objected"],
  "act_rights.member_add": ["增加成员", "Member added"],
  "act_rights.member_remove": ["移除成员", "Member removed"],
  "act_rights.compensation_record": ["登记补偿", "Compensation recorded"],
  "act_rights.compensation_decide": ["审定补偿", "Compensation decided"],
  "act_rights.dispute_registered": ["登记纠纷", "Dispute registered"],
  "act_rights.dispute_meeting": ["纠纷调解会", "Dispute meeting"],
  "act_rights.dispute_mediation": ["纠纷调解", "Dispute mediation"],
  "act_scheme.create": ["新建比选方案", "Scheme created"],
  "act_scheme.simulate": ["方案模拟", "Scheme simulated"],
  "act_scheme.update": ["修改比选方案", "Scheme edited"],
  "act_scheme.delete": ["删除比选方案", "Scheme removed"],
  "act_evaluation.planned": ["设定绩效目标", "Targets set"],
  "act_evaluation.achieved": ["填报绩效完成值", "Results recorded"],
  "act_village_plan.change_submit": ["提交村庄规划调整", "Village plan change submitted"],
  "act_village_plan.change_refused": ["村庄规划调整未通过", "Village plan change refused"],
  "act_user.create": ["新建用户", "User created"],
  "act_user.disable": ["停用用户", "User disabled"],
  "act_user.enable": ["启用用户", "User enabled"],
  "act_user.password_reset": ["重置密码", "Password reset"],
  "act_grant.revoke": ["撤销授权", "Grant revoked"],
  "act_session.login": ["登录", "Signed in"],
  "act_session.logout": ["退出登录", "Signed out"],
  "act_session.kill": ["强制下线", "Session ended"],
  "act_session.login_throttled": ["登录失败过多被限制", "Sign-in throttled"],
  "act_admin.create": ["初始化管理员", "Administrator created"],
  "act_admin.backup": ["备份", "Backup"],
  "act_admin.restore": ["恢复备份", "Backup restored"],
  "act_regions.import": ["导入行政区", "Regions imported"],
  "act_order.issued": ["下发督办单", "Order issued"],
  "act_order.answered": ["答复督办单", "Order answered"],
  "act_order.returned": ["退回督办单", "Order returned"],
  "act_order.escalated": ["督办单上报", "Order escalated"],
  "act_order.closed": ["督办单办结", "Order closed"],
  // Detail fields of entries, for the before/after table.
  af_hash: ["方案指纹", "Plan fingerprint"], af_area_m2: ["面积（平方米）", "Area (m²)"], af_state: ["状态", "State"],
  af_comment: ["说明", "Comment"], af_decision: ["决定", "Decision"], af_opinion: ["意见", "Opinion"], af_department: ["部门", "Department"],
  af_round: ["轮次", "Round"], af_amount_fen: ["金额（分）", "Amount (fen)"], af_amount_yuan: ["金额（元）", "Amount (yuan)"],
  af_region: ["区域", "Region"], af_title: ["标题", "Title"], af_ends: ["截止", "Ends"], af_category: ["类别", "Category"],
  af_status: ["办理状态", "Status"], af_project: ["项目", "Project"], af_id: ["编号", "Number"], af_due_at: ["答复期限", "Due"],
  af_reason: ["理由", "Reason"], af_milestone: ["节点", "Milestone"], af_payee: ["收款单位", "Payee"], af_source: ["资金来源", "Source"],
  af_name: ["名称", "Name"], af_type: ["类型", "Type"], af_code: ["编号", "Code"], af_username: ["用户名", "Username"],
  af_role: ["角色", "Role"], af_finding: ["合规提示", "Finding"], af_finding_key: ["合规提示", "Finding"], af_action: ["操作", "Action"],
  af_cleared_acknowledgements: ["作废的确认", "Acknowledgements cleared"], af_request: ["拨付申请", "Payment request"],
  af_voucher: ["凭证", "Voucher"], af_percent: ["完成比例", "Percent done"], af_text: ["内容", "Text"], af_body: ["内容", "Text"],
});

// An action's name: its own, else its domain's "other action", else the domain alone.
export function actionName(action: string): string {
  if (has("act_" + action)) return t("act_" + action);
  const domain = action.split(".")[0];
  // A transition is "project.ACTION" with the action's name of the project page.
  if (domain === "project" && has("action_" + action.slice(8))) return t("action_" + action.slice(8));
  return t("ad_other_action", { domain: has("ad_" + domain) ? t("ad_" + domain) : t("ad_other") });
}

// An object ("project:XM-1", "feedback:3") in words.
export function objectName(object: string): string {
  const i = object.indexOf(":");
  if (i < 0) return object;
  const kind = object.slice(0, i), x = object.slice(i + 1);
  return has("au_obj_" + kind) ? t("au_obj_" + kind, { x }) : x;
}

// An actor: a username, "system", "demo" or "cli:NAME".
export function actorName(actor: string): string {
  if (actor === "system") return t("au_system");
  if (actor === "demo") return t("au_demo");
  if (actor.startsWith("cli:")) return t("au_cli", { x: actor.slice(4) });
  return actor;
}
