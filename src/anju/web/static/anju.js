// Small behaviours shared by every page (no inline scripts: the CSP forbids them).
document.addEventListener("click", (e) => {
  const el = e.target instanceof Element ? e.target.closest("[data-print]") : null;
  if (el) window.print();
});

// The header's menu: one group open at a time; a click elsewhere or Escape closes it.
document.addEventListener("toggle", (e) => {
  const opened = e.target;
  if (!(opened instanceof HTMLDetailsElement) || !opened.open || !opened.closest(".menu")) return;
  for (const d of document.querySelectorAll(".menu details[open]")) if (d !== opened) d.open = false;
}, true);
document.addEventListener("click", (e) => {
  if (e.target instanceof Element && e.target.closest(".menu details")) return;
  for (const d of document.querySelectorAll(".menu details[open]")) d.open = false;
});
document.addEventListener("keydown", (e) => {
  if (e.key === "Escape") for (const d of document.querySelectorAll(".menu details[open]")) d.open = false;
});

// A copy button: <button data-copy="id-of-element"> copies that element's text (a secret shown once).
document.addEventListener("click", (e) => {
  const btn = e.target instanceof Element ? e.target.closest("[data-copy]") : null;
  if (!btn) return;
  const src = document.getElementById(btn.getAttribute("data-copy"));
  if (!src || !navigator.clipboard) return;
  navigator.clipboard.writeText(src.textContent.trim()).then(() => { btn.textContent = "已复制"; });
});
