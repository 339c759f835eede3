// The forum's live items: new topics on a board, replies counted, new posts in a topic.

import { el, lines, texts, timeEl } from "./dom.js";
import { on } from "./socket.js";

on("topic.created", (list, data) => {
  if (list.querySelector(`[data-id="${data.id}"]`)) return;
  list.querySelector("[data-empty]")?.remove();
  const item = el("li", "topic fresh");
  item.dataset.id = data.id;
  const link = el("a", "title", data.title);
  link.href = `/topics/${Number(data.id)}/`;
  item.append(link);
  if (data.excerpt) item.append(el("p", "excerpt", data.excerpt));
  const meta = el("p", "meta");
  const replies = el("span", "", String(data.reply_count));
  replies.dataset.replies = "";
  meta.append(el("span", "author", data.author), " · ", timeEl(data.created_at), " · ",
    `${texts.replies || ""} `, replies);
  item.append(meta);
  list.prepend(item);
});

on("topic.replied", (list, data) => {
  const item = list.querySelector(`[data-id="${data.id}"]`);
  if (!item) return;
  const count = item.querySelector("[data-replies]");
  if (count) count.textContent = String(data.reply_count);
  list.prepend(item);
});

// body_html was sanitized by the server when the post was written (core/markup.py);
// a payload without it (an older server) shows the raw text as text.
function richBody(data) {
  if (typeof data.body_html !== "string") return lines(el("div", "body"), data.body);
  const box = el("div", "body rich");
  const parsed = new DOMParser().parseFromString(data.body_html, "text/html");
  box.append(...parsed.body.childNodes);
  return box;
}

on("post.created", (list, data) => {
  if (list.querySelector(`[data-id="${data.id}"]`)) return;
  const item = el("li", "post fresh");
  item.dataset.id = data.id;
  const meta = el("p", "meta");
  meta.append(el("span", "author", data.author), " · ", timeEl(data.created_at));
  item.append(meta, richBody(data));
  list.append(item);
});
