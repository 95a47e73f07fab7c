// Strings of the public notice as villagers meet it (村务公告, the project's notice, 异议) and of
// the objections and complaints on the officials' project page.
import { addStrings, lang } from "./i18n";

addStrings({
  kpi_sources_note: ["资金来源按登记区域统计，本区域项目的资金多来自上级（县级）登记的资金来源", "sources count where they are registered: this region's projects are mostly funded from sources registered above it (the county)"],
  pr_print: ["打印", "Print"],
  pr_back: ["返回项目", "Back to the project"],
  pr_printed: ["打印日期：{t}", "Printed {t}"],
  pr_approval_title: ["全域土地综合整治项目审批表", "Project approval form"],
  pr_findings: ["合规审查结果", "Compliance findings"],
  pr_no_findings: ["未发现违规或需确认的问题", "No violations or warnings"],
  pr_acknowledged: ["牵头部门已确认", "Acknowledged by the lead department"],
  pr_department: ["会审部门", "Department"],
  pr_round: ["轮次", "Round"],
  pr_decision: ["结论", "Conclusion"],
  pr_opinion: ["审核意见", "Opinion"],
  pr_conditions: ["附加条件", "Conditions"],
  pr_reviewer: ["审核人及日期", "Reviewer and date"],
  pr_sign: ["签字（盖章）：", "Signature (seal):"],
  pr_date: ["日期：　　年　　月　　日", "Date:"],
  pr_sign_lead: ["牵头部门意见", "Lead department"],
  pr_sign_group: ["领导小组意见", "Leader group"],
  pr_sign_village: ["村民委员会", "Village committee"],
  pr_sign_township: ["乡镇人民政府", "Township government"],
  pr_sign_finance: ["财政部门意见", "Finance department"],
  pr_notice_title: ["关于“{name}”的公示", "Public notice: {name}"],
  pr_notice_contact: ["公示期内如有异议，请向村民委员会或乡镇人民政府书面反映，也可通过“共治”平台提出。", "During the notice period, objections may be made in writing to the village committee or the township, or on the Gongzhi platform."],
  pr_no_notice: ["尚未公示", "Not yet on notice"],
  pr_payment_title: ["项目资金拨付审批单", "Fund disbursement approval sheet"],
  pr_requested: ["申请人及日期", "Requested by"],
  pr_pending: ["待审批", "Awaiting a decision"],
  pr_links: ["打印", "Print"],
  pr_link_approval: ["审批表", "Approval form"],
  pr_link_notice: ["公示", "Public notice"],
  obligation_open: ["待落实", "To be fulfilled"],
  obligation_fulfilled: ["已落实", "Fulfilled"],
  type_required: ["请选择项目类型", "Choose the project type"],
  decision_required: ["请选择审查结论", "Choose a conclusion"],
  category_objection: ["异议", "Objection"],
  pn_badge: ["项目公示", "Project notice"],
  pn_period: ["公示期：{from} 至 {to}", "Notice period: {from} to {to}"],
  pn_closed: ["公示已结束", "The notice period has ended"],
  pn_title: ["项目公示", "Public notice of the project"],
  pn_text: ["{village}拟实施“{name}”（编号 {code}），整治范围约 {mu} 亩。现予公示，公示期内村民可留言或提出异议。",
    "{village} plans to carry out “{name}” (no. {code}) over about {mu} mu. It is on public notice: during the period villagers may comment or object."],
  pn_changes: ["规划调整内容", "Planned changes"],
  pn_change_to: ["部分土地调整为{cls}", "Part of the land becomes {cls}"],
  pn_no_changes: ["本项目不调整土地用途", "The project changes no land use"],
  pn_this_village: ["本村", "The village"],
  obj_title: ["提出异议", "Object"],
  obj_hint: ["对公示内容有异议的，请写明理由。村委会和乡镇须在期限内答复，答复前项目不能开工。", "If you object to the notice, give your reason. The village and township must answer by the deadline; the works cannot start before."],
  obj_placeholder: ["异议理由（必填）", "Your reason (required)"],
  obj_send: ["提交异议", "Send objection"],
  obj_sent: ["异议已提交，请等待答复", "Objection sent; you will get an answer"],
  pf_title: ["村民意见与异议", "Villagers' feedback and objections"],
  pf_none: ["暂无村民意见", "No feedback from villagers"],
  pf_category: ["类别", "Kind"],
  pf_body: ["内容", "Text"],
  pf_status: ["办理状态", "Status"],
  pf_due: ["答复期限", "Answer by"],
  pf_reply: ["答复", "Answer"],
  pf_overdue: ["已逾期", "Overdue"],
  pf_open_count: ["{n} 件待答复", "{n} awaiting an answer"],
});

// A date to the day ("2026年12月7日" / "7 Dec 2026"), never to the second.
export function fmtDay(iso: string): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (isNaN(d.getTime())) return iso;
  return d.toLocaleDateString(lang() === "zh" ? "zh-CN" : "en-GB", { year: "numeric", month: lang() === "zh" ? "long" : "short", day: "numeric" });
}
