// Downloads of whole layers with progress: a link whose click asks the server for the same file
// with `progress=1` (src/http/download_routes.h, progress_download), shows how far the export is
// and then how much of the file has arrived, and saves it under the server's Chinese name. The
// link keeps its plain href, so a middle click or "save link as" still downloads without the bar.
import { el } from "./dom";
import { addStrings, lang, t } from "./i18n";

addStrings({
  dlp_queued: ["排队等待导出…", "Waiting to export…"],
  dlp_export: ["正在导出：{done} / {total} 个图斑", "Exporting: {done} / {total} features"],
  dlp_export_start: ["正在导出…", "Exporting…"],
  dlp_receive: ["正在下载：{got} / {size}", "Downloading: {got} / {size}"],
  dlp_done: ["已下载 {name}（{size}）", "Downloaded {name} ({size})"],
  dlp_failed: ["下载失败：{reason}", "Download failed: {reason}"],
  dlp_cancel: ["取消", "Cancel"],
  dlp_cancelled: ["已取消", "Cancelled"],
  dlp_busy: ["已有一个下载正在进行", "A download is already running"],
});

const fmtBytes = (n: number) =>
  n >= 1 << 30 ? `${(n / (1 << 30)).toFixed(2)} GB` : n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MB` : `${Math.max(1, Math.round(n / 1024))} KB`;
const fmtCount = (n: number) => n.toLocaleString(lang() === "zh" ? "zh-CN" : "en");

interface Header {
  phase: string;
  done?: number;
  total?: number | null;
  name?: string;
  type?: string;
  size?: number;
  message_zh?: string;
  message_en?: string;
}

// Reads the progress stream: JSON lines, then after {"phase":"file"} exactly `size` bytes.
async function readProgress(res: Response, onHeader: (h: Header) => void, onBytes: (got: number, size: number) => void): Promise<{ header: Header; blob: Blob } | null> {
  const reader = res.body!.getReader();
  let pending = new Uint8Array(0);
  const decoder = new TextDecoder();
  const parts: BlobPart[] = [];
  let header: Header | null = null;
  let got = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (value) {
      if (header) {
        parts.push(value as Uint8Array<ArrayBuffer>);
        got += value.length;
        onBytes(got, header.size ?? 0);
      } else {
        const joined = new Uint8Array(pending.length + value.length);
        joined.set(pending);
        joined.set(value, pending.length);
        pending = joined;
        let nl: number;
        while (!header && (nl = pending.indexOf(10)) >= 0) {
          const h = JSON.parse(decoder.decode(pending.subarray(0, nl))) as Header;
          pending = pending.subarray(nl + 1);
          onHeader(h);
          if (h.phase === "error") return { header: h, blob: new Blob() };
          if (h.phase === "file") {
            header = h;
            if (pending.length) {
              parts.push(pending.slice() as Uint8Array<ArrayBuffer>);
              got += pending.length;
              onBytes(got, h.size ?? 0);
            }
          }
        }
      }
    }
    if (done) break;
  }
  if (!header || got !== header.size) return null;
  return { header, blob: new Blob(parts, { type: header.type }) };
}

let running = false;

// A link to `href` (a …/download?format=… URL) that downloads with a progress line shown in
// `status` (kept in the page, role=status, data-state queued|export|receive|done|error).
export function progressLink(href: string, label: string, status: HTMLElement, attrs: Record<string, string> = {}): HTMLAnchorElement {
  const a = el("a", { href, download: "", ...attrs }, label) as HTMLAnchorElement;
  a.addEventListener("click", (ev) => {
    if (ev.button !== 0 || ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.altKey) return;
    ev.preventDefault();
    if (running) {
      status.dataset.state = "busy";
      status.replaceChildren(t("dlp_busy"));
      return;
    }
    void run(href, status);
  });
  return a;
}

async function run(href: string, status: HTMLElement) {
  running = true;
  const abort = new AbortController();
  const bar = el("progress", { max: "1" }) as HTMLProgressElement;
  const text = el("span", {});
  const cancel = el("button", { class: "btn small", type: "button", "data-action": "cancel-download" }, t("dlp_cancel"));
  cancel.addEventListener("click", () => abort.abort());
  const show = (state: string, line: string, fraction: number | null) => {
    status.dataset.state = state;
    if (fraction === null) bar.removeAttribute("value");
    else bar.value = fraction;
    text.textContent = line;
  };
  status.replaceChildren(bar, " ", text, " ", cancel);
  show("queued", t("dlp_queued"), null);
  try {
    const res = await fetch(href + (href.includes("?") ? "&" : "?") + "progress=1", { credentials: "same-origin", signal: abort.signal });
    if (!res.ok) {
      let reason = `HTTP ${res.status}`;
      try {
        const e = (await res.json())?.error;
        reason = (lang() === "zh" ? e?.message_zh : e?.message_en) ?? reason;
      } catch {
        /* the status says it */
      }
      throw new Error(reason);
    }
    const got = await readProgress(
      res,
      (h) => {
        if (h.phase === "queued") show("queued", t("dlp_queued"), null);
        else if (h.phase === "export")
          h.total ? show("export", t("dlp_export", { done: fmtCount(h.done ?? 0), total: fmtCount(h.total) }), (h.done ?? 0) / h.total) : show("export", t("dlp_export_start"), null);
        else if (h.phase === "file") show("receive", t("dlp_receive", { got: fmtBytes(0), size: fmtBytes(h.size ?? 0) }), 0);
      },
      (n, size) => show("receive", t("dlp_receive", { got: fmtBytes(n), size: fmtBytes(size) }), size ? n / size : null),
    );
    if (!got) throw new Error(lang() === "zh" ? "连接中断，文件不完整" : "the connection ended before the whole file arrived");
    if (got.header.phase === "error") throw new Error((lang() === "zh" ? got.header.message_zh : got.header.message_en) ?? "");
    const url = URL.createObjectURL(got.blob);
    const save = el("a", { href: url, download: got.header.name ?? "download" }) as HTMLAnchorElement;
    document.body.append(save);
    save.click();
    save.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    status.replaceChildren(text);
    show("done", t("dlp_done", { name: got.header.name ?? "", size: fmtBytes(got.blob.size) }), 1);
  } catch (e) {
    status.replaceChildren(text);
    if (abort.signal.aborted) show("cancelled", t("dlp_cancelled"), null);
    else show("error", t("dlp_failed", { reason: (e as Error).message }), null);
  } finally {
    running = false;
  }
}
