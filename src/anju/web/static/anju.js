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
