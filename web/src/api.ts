// The JSON API of `gongzhi serve` (same origin; the session is the HttpOnly cookie the sign-in
// sets). Errors carry the server's code and both messages.
import { lang } from "./i18n";

export class ApiFailure extends Error {
  // details: what a refusal names for a page to list (the findings that block an approval …).
  constructor(public status: number, public code: string, public message_zh: string, public message_en: string, public details: any = null) {
    super(message_en);
  }
  text(): string {
    return lang() === "zh" ? this.message_zh || this.message_en : this.message_en || this.message_zh;
  }
}

export async function api<T = any>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    credentials: "same-origin",
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return answer<T>(res);
}

// The JSON of an answer, or the server's error (its code and messages) as an ApiFailure.
async function answer<T>(res: Response): Promise<T> {
  const text = await res.text();
  let j: any = null;
  try {
    j = text ? JSON.parse(text) : null;
  } catch {
    j = null;
  }
  if (!res.ok) {
    const e = j?.error ?? {};
    throw new ApiFailure(res.status, e.code ?? "http_" + res.status, e.message_zh ?? `HTTP ${res.status}`, e.message_en ?? `HTTP ${res.status}`, e.details ?? null);
  }
  return j as T;
}

// A request whose body is a file (a photo, a voucher) sent as it is, with its own content type.
export async function apiFile<T = any>(method: string, path: string, file: Blob): Promise<T> {
  const res = await fetch(path, { method, credentials: "same-origin", headers: { "Content-Type": file.type || "application/octet-stream" }, body: file });
  return answer<T>(res);
}

export interface Grant {
  role: string;
  department: string;
  region: string;
}
export interface Me {
  user: { id: number; username: string };
  grants: Grant[];
}
export interface Review {
  id: number;
  round: number;
  department: string;
  required_because: any;
  decision: string | null;
  opinion: string;
  reviewer: string;
  decided_at: string;
}
export interface Finding {
  rule: string;
  severity: string;
  name_zh: string;
  name_en: string;
  feature: string;
  controls: string;
  area_m2: number;
  share: number;
  geometry: any;
  key?: string;
  effect?: string; // block | acknowledge | none (data/rules.json "binding")
}
// A finding as it binds the lifecycle, named in words (services/compliance_gate.h).
export interface GateFinding {
  key: string;
  rule: string;
  severity: string;
  effect: string;
  name_zh: string;
  name_en: string;
  feature: string;
  feature_zh: string;
  feature_en: string;
  area_m2: number;
  text_zh: string;
  text_en: string;
  acknowledgement?: Acknowledgement | null;
}
export interface Acknowledgement {
  id: number;
  finding: string;
  rule: string;
  feature: string;
  area_m2: number;
  reason: string;
  actor: string;
  time: string;
  cleared_at: string;
  cleared_because: string;
}
export interface ComplianceGate {
  current: boolean;
  blocking: GateFinding[];
  warnings: GateFinding[];
  acknowledgements: Acknowledgement[];
}
export interface Compliance {
  area_m2: number;
  controls: { layer: string; kind: string; version: number }[];
  overlaps: { layer: string; kind: string; area_m2: number; share: number; geometry: any }[];
  findings: Finding[];
}
export interface Project {
  id: number;
  code: string;
  name: string;
  type: string;
  region_code: string;
  state: string;
  state_zh: string;
  area_m2: number;
  row_version: number;
  review_round: number;
  compliance_current: boolean;
  // The stored compliance check's findings by severity; null when never checked.
  findings?: { errors: number; warnings: number } | null;
  notice_starts?: string;
  notice_ends?: string;
  plan?: { area?: any; changes?: any[] } | null;
  compliance?: Compliance | null;
  compliance_at?: string;
  reviews?: Review[];
  obligations?: { id: number; department: string; text: string; status: string }[];
  history?: { action: string; from: string; to: string; actor: string; time: string; comment: string }[];
  compliance_gate?: ComplianceGate;
}
export interface Region {
  code: string;
  name: string;
  level: string;
  parent: string;
}
export interface LandUseClass {
  code: string;
  name_zh: string;
  name_en: string;
  level1_code: string;
  group: string;
  color: string;
}

export const getMe = () => api<Me>("GET", "/api/v1/me");
export const listProjects = () => api<{ projects: Project[] }>("GET", "/api/v1/projects").then((r) => r.projects);
export const getProject = (id: number) => api<Project>("GET", `/api/v1/projects/${id}`);
export const listRegions = () => api<{ regions: Region[] }>("GET", "/api/v1/regions").then((r) => r.regions);
export const landUseClasses = () => api<{ classes: LandUseClass[] }>("GET", "/api/v1/land-use-classes").then((r) => r.classes);
// A class of the planning classification 用地用海 (three levels); survey_code is the 三调 class of
// the same name ("" when none).
export interface PlanningClass {
  code: string;
  name_zh: string;
  name_en: string;
  level: number;
  parent: string;
  group: string;
  cultivated: boolean;
  survey_code: string;
}
export const planningClasses = () =>
  api<{ planning_classes: PlanningClass[] }>("GET", "/api/v1/land-use-classes").then((r) => r.planning_classes ?? []);
export const listLayers = () =>
  api<{ layers: { layer: string; kind: string; version: number; features: number; created_at: string }[] }>("GET", "/api/v1/layers").then((r) => r.layers);

// The project transitions (src/domain/project.cpp): which roles may take which action from which
// states. The server decides; the app only offers the buttons that can succeed.
export const transitions: { action: string; from: string[]; roles: string[] }[] = [
  { action: "submit", from: ["draft", "returned"], roles: ["township", "village_collective", "investor", "lead_department"] },
  { action: "check_compliance", from: ["submitted", "compliance_checked"], roles: ["lead_department"] },
  { action: "start_review", from: ["compliance_checked"], roles: ["lead_department"] },
  { action: "approve", from: ["joint_review"], roles: ["leader_group", "lead_department"] },
  { action: "return", from: ["submitted", "compliance_checked", "joint_review"], roles: ["leader_group", "lead_department"] },
  { action: "reject", from: ["joint_review"], roles: ["leader_group", "lead_department"] },
  { action: "publish_notice", from: ["approved"], roles: ["lead_department", "township"] },
  { action: "start_implementation", from: ["public_notice"], roles: ["lead_department", "township"] },
  { action: "complete", from: ["implementation"], roles: ["township", "investor", "lead_department"] },
  { action: "accept", from: ["completed"], roles: ["lead_department"] },
  { action: "evaluate", from: ["accepted"], roles: ["lead_department", "expert"] },
  { action: "start_maintenance", from: ["evaluated"], roles: ["township", "village_collective", "lead_department"] },
];

export function regionContains(outer: string, inner: string): boolean {
  return outer === "" || inner.startsWith(outer);
}

export function actionsFor(me: Me, p: Project): string[] {
  return transitions
    .filter((tr) => tr.from.includes(p.state))
    .filter((tr) => me.grants.some((g) => tr.roles.includes(g.role) && regionContains(g.region, p.region_code)))
    .map((tr) => tr.action);
}

// The reviews of the current round the user's department still owes on a project.
export function owedReviews(me: Me, p: Project): Review[] {
  if (p.state !== "joint_review") return [];
  const depts = new Set(me.grants.filter((g) => g.department).map((g) => g.department));
  return (p.reviews ?? []).filter((r) => r.round === p.review_round && !r.decision && depts.has(r.department));
}
