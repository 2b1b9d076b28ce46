// Small behaviours shared by every page (no inline scripts: the CSP forbids them).
document.addEventListener("click", (e) => {
  const el = e.target instanceof Element ? e.target.closest("[data-print]") : null;
  if (el) window.print();
});
