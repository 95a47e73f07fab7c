// The project API the officials' project pages use beyond api.ts: creating a project from a
// drawn or uploaded area, editing its plan, the compliance preview, and the project's notice,
// comments, progress, photos, funds and evaluation (src/http/*_routes.cpp).
import { api, regionContains, type Compliance, type Me, type Project } from "./api";

export const APPLICANT_ROLES = ["township", "village_collective", "investor", "lead_department"];

// The target is a 三调 class (to_code) or a 用地用海 class (to_ghdlbm), one of the two.
export interface PlanChange {
  geometry: GeoJSON.Polygon | GeoJSON.MultiPolygon;
  from_code: string;
  to_code?: string;
  to_ghdlbm?: string;
  measure?: string;
}
export interface Plan {
  area: GeoJSON.Polygon | GeoJSON.MultiPolygon;
  changes: PlanChange[];
}
export interface UploadedPlan {
  plan: Plan;
  area_m2: number;
  area_features: number;
  changes: number;
}

export const projectTypes = () => api<{ types: string[] }>("GET", "/api/v1/project-types").then((r) => r.types);
export const createProject = (body: { name: string; type: string; region_code: string; plan: Plan }) =>
  api<Project>("POST", "/api/v1/projects", body);
export const updatePlan = (id: number, row_version: number, plan: Plan) =>
  api<Project>("PUT", `/api/v1/projects/${id}/plan`, { plan, row_version });
export const previewCompliance = (id: number) => api<Compliance>("POST", `/api/v1/projects/${id}/compliance-preview`);

// The file goes to the server as it is: the server parses and checks it (src/services/plan_upload).
export async function planFromGeojson(text: string): Promise<UploadedPlan> {
  const { ApiFailure } = await import("./api");
  const res = await fetch("/api/v1/plans/from-geojson", {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/geo+json" },
    body: text,
  });
  const body = await res.text();
  let j: any = null;
  try {
    j = JSON.parse(body);
  } catch {
    j = null;
  }
  if (!res.ok) {
    const e = j?.error ?? {};
    throw new ApiFailure(res.status, e.code ?? "http_" + res.status, e.message_zh ?? `HTTP ${res.status}`, e.message_en ?? `HTTP ${res.status}`);
  }
  return j as UploadedPlan;
}

export function canEditPlan(me: Me, p: Project): boolean {
  return (p.state === "draft" || p.state === "returned") &&
    me.grants.some((g) => APPLICANT_ROLES.includes(g.role) && regionContains(g.region, p.region_code));
}
export function canPreview(me: Me, p: Project): boolean {
  return me.grants.some((g) => APPLICANT_ROLES.includes(g.role) && regionContains(g.region, p.region_code));
}

export interface Milestone {
  id: number;
  name: string;
  planned_date: string;
  actual_date: string | null;
  percent: number;
  weight: number;
}
export interface Report {
  id: number;
  kind: string;
  text: string;
  points: { lon: number; lat: number; inside: boolean; distance_m: number }[];
  photos: string[];
  milestone_id: number | null;
  outside_area: boolean;
  author: string;
  created_at: string;
}
export interface ProjectNotice {
  project_id: number;
  starts: string;
  ends: string;
  open: boolean;
}
export interface NoticeComment {
  id: number;
  author: string;
  body: string;
  created_at: string;
  reply: { text: string; by: string; at: string } | null;
}
export interface FundsSummary {
  allocated_yuan: string;
  disbursed_yuan: string;
  balance_yuan: string;
  pending_yuan: string;
  sources: { source_id: number; source_name: string; kind_zh: string; kind: string; allocated_yuan: string; disbursed_yuan: string; balance_yuan: string }[];
}
export interface LedgerEntry {
  id: number;
  time: string;
  kind: string;
  source_id: number;
  payee: string;
  note: string;
  actor: string;
  amount_fen: number;
  amount_yuan: string;
}
export interface Indicator {
  key: string;
  name_zh: string;
  name_en: string;
  unit: string;
  planned: { value: number; mu?: number; ha?: number } | null;
  achieved: { value: number; mu?: number; ha?: number } | null;
  score: number | null;
  meets_acceptance: boolean;
}
export interface Evaluation {
  total_score: number | null;
  acceptance_met: boolean;
  indicators: Indicator[];
  acceptance_failures_zh: string[];
  acceptance_failures_en: string[];
}

export const projectNotice = (id: number) => api<ProjectNotice>("GET", `/api/v1/projects/${id}/notice`);
export const projectComments = (id: number) => api<{ comments: NoticeComment[] }>("GET", `/api/v1/projects/${id}/comments`).then((r) => r.comments);
export const milestones = (id: number) => api<{ milestones: Milestone[]; overall_percent: number }>("GET", `/api/v1/projects/${id}/milestones`);
export const reports = (id: number) => api<{ reports: Report[] }>("GET", `/api/v1/projects/${id}/reports`).then((r) => r.reports);
export const projectFunds = (id: number) => api<FundsSummary>("GET", `/api/v1/projects/${id}/funds`);
export const projectLedger = (id: number) => api<{ entries: LedgerEntry[] }>("GET", `/api/v1/projects/${id}/funds/ledger`).then((r) => r.entries);
export const evaluation = (id: number) => api<Evaluation>("GET", `/api/v1/projects/${id}/evaluation`);
export const photoUrl = (id: number, sha: string) => `/api/v1/projects/${id}/photos/${sha}`;

// A GET that a role may not be allowed (403) or that has nothing yet (404): null, not an error.
export async function optional<T>(p: Promise<T>): Promise<T | null | "forbidden"> {
  try {
    return await p;
  } catch (e: any) {
    if (e?.status === 404) return null;
    if (e?.status === 403) return "forbidden";
    throw e;
  }
}
