// For a page that shows widgets in iframes (embed.html): each such iframe takes the height its
// widget reports (embed.js posts `{ type: "up-embed-size", height }`), so it never cuts the
// widget off nor leaves a gap. Include it once, anywhere in the page:
//
//   <script type="module" src="playground/js/embed-frames.js"></script>
//   <iframe src="playground/embed.html?widget=vae&layout=compact" width="100%" height="600"></iframe>
//
// `data-max-height="660"` on an iframe caps it (a slide: the frame then scrolls inside).
// Only frames whose window sent the message are resized; nothing else on the page is touched.

window.addEventListener("message", (event) => {
  const { data } = event;
  if (!data || data.type !== "up-embed-size" || !Number.isFinite(data.height)) return;
  for (const frame of document.querySelectorAll("iframe")) {
    if (frame.contentWindow !== event.source) continue;
    const cap = Number(frame.dataset.maxHeight);
    const height = Math.max(0, Math.ceil(cap > 0 ? Math.min(data.height, cap) : data.height));
    // The height attribute, not a style: nothing a Content-Security-Policy could object to.
    frame.height = String(height);
    frame.dataset.reportedHeight = String(Math.ceil(data.height));
  }
});
