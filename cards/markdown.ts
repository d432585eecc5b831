// Teams renders markdown in message text and in Adaptive Card TextBlocks and FactSet values, so
// text people typed (comments, names, reasons, file names, anything echoed back) must show as
// typed: a comment "[Reset your password](https://…)" must not become a link in an official-
// looking card. Every such value passes through `literal` where it enters a card or a message;
// catalogue text is ours and is left alone.

// CommonMark's escapable punctuation that can start syntax: emphasis, links, images, code,
// autolinks and HTML, headings, tables, strikethrough, entities, and the escape itself.
const INLINE = /[\\`*_[\]()<>#~|!{}&]/g;
// Block syntax only counts at the start of a line: list items ("- ", "+ ", "1. ", "1) ") and setext underlines.
const LINE_START = /^([ \t]*)([-+=]|\d+[.)])/gm;

// Whether anything above could apply: most names and ids have nothing to escape.
const ANY_SYNTAX = /[\\`*_[\]()<>#~|!{}&\-+=.)]/;

/** `text` escaped so that Teams' markdown shows it literally. */
export function literal(text: string): string {
  if (!ANY_SYNTAX.test(text)) return text;
  return text.replace(INLINE, '\\$&').replace(LINE_START, (_whole, indent: string, marker: string) => `${indent}${marker.replace(/[-+=.)]/, '\\$&')}`);
}
