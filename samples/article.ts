/** The 4-page sample article: headings, lists, a table, a figure, an equation and a footnote (see make-sample-pdf.ts). */
import { chartPng } from './png.ts';
import { BODY, collect, decorate, FONT, heading, list, MARGIN, newDocument, para, paragraph } from './drawing.ts';
import { SAMPLE, type SampleOptions } from './sample-spec.ts';

function table(doc: PDFKit.PDFDocument): void {
  const t = SAMPLE.table;
  const cols = [MARGIN + 20, MARGIN + 130, MARGIN + 230, MARGIN + 330];
  const right = MARGIN + 420;
  const rowH = 18;
  doc.font(FONT.italic).fontSize(BODY).text(t.caption, MARGIN + 20, doc.y);
  doc.moveDown(0.5);
  let y = doc.y;
  const rule = (at: number, width = 0.8) => doc.moveTo(cols[0]! - 6, at).lineTo(right, at).lineWidth(width).strokeColor('#333333').stroke();
  rule(y - 4, 1.2);
  [t.header, ...t.rows].forEach((cells, r) => {
    doc.font(r === 0 ? FONT.bold : FONT.body).fontSize(BODY);
    cells.forEach((cell, c) => doc.text(cell, cols[c]!, y, { lineBreak: false }));
    y += rowH;
    if (r === 0) rule(y - 5);
  });
  rule(y - 5, 1.2);
  doc.x = MARGIN;
  doc.y = y + 6;
  doc.moveDown(0.6);
}

function figure(doc: PDFKit.PDFDocument): void {
  const x = MARGIN + 60;
  const y = doc.y + 4;
  const w = 320;
  const h = 180;
  // The drawn part: a frame and axes around the chart image.
  doc.save().rect(x, y, w, h).lineWidth(1).strokeColor('#555555').stroke().restore();
  doc.save().moveTo(x + 20, y + h - 20).lineTo(x + w - 20, y + h - 20).moveTo(x + 20, y + h - 20).lineTo(x + 20, y + 20).lineWidth(1.5).strokeColor('#222222').stroke().restore();
  doc.save().circle(x + w - 40, y + 40, 10).fillColor('#cc4444').fill().restore();
  doc.image(chartPng(), x + 30, y + 30, { width: w - 70, height: h - 60 });
  doc.fillColor('black').font(FONT.italic).fontSize(BODY).text(SAMPLE.figureCaption, MARGIN, y + h + 8, { width: doc.page.width - 2 * MARGIN, align: 'center' });
  doc.x = MARGIN;
  doc.moveDown(0.8);
}

function equation(doc: PDFKit.PDFDocument): void {
  // Set apart by more than a line gap, so it is not read as part of the paragraph above.
  const y = doc.y + 14;
  doc.font(FONT.math).fontSize(BODY + 1).text(SAMPLE.equation, MARGIN, y, { width: doc.page.width - 2 * MARGIN, align: 'center', lineBreak: false });
  doc.font(FONT.body).fontSize(BODY).text('(1)', doc.page.width - MARGIN - 20, y + 1, { lineBreak: false });
  doc.x = MARGIN;
  doc.y = y + 34;
}

/** Body text that ends in a superscript footnote marker; the note itself sits at the page bottom. */
function footnoted(doc: PDFKit.PDFDocument, text: string): void {
  doc.font(FONT.body).fontSize(BODY).text(text, { continued: true, lineGap: 2 });
  doc.fontSize(6.5).text(SAMPLE.footnote.label, { continued: false });
  doc.fontSize(BODY);
  doc.moveDown(0.6);
  const y = doc.page.height - MARGIN - 22;
  const saved = { x: doc.x, y: doc.y };
  doc.save().moveTo(MARGIN, y - 4).lineTo(MARGIN + 120, y - 4).lineWidth(0.5).strokeColor('#333333').stroke().restore();
  doc.font(FONT.body).fontSize(8).text(`${SAMPLE.footnote.label} ${SAMPLE.footnote.text}`, MARGIN, y, { lineBreak: false });
  doc.font(FONT.body).fontSize(BODY);
  doc.x = saved.x;
  doc.y = saved.y;
}

export async function article(opts: SampleOptions): Promise<Buffer> {
  const doc = newDocument(opts, SAMPLE.title);
  const parents: PDFKit.PDFOutline[] = [];
  const h = (i: number) => SAMPLE.headings[i]!;

  // Page 1: title, authors, abstract, 1 / 1.1 / 1.1.1, bulleted list, footnote.
  doc.addPage();
  doc.font(FONT.bold).fontSize(22).text(SAMPLE.title, { align: 'center' });
  doc.moveDown(0.4);
  doc.font(FONT.body).fontSize(11).text(SAMPLE.authors.join(' and '), { align: 'center' });
  doc.moveDown(1);
  paragraph(doc, `Abstract. ${para(0, 2)}`);
  heading(doc, parents, h(0).text, 1);
  footnoted(doc, para(1, 2));
  heading(doc, parents, h(1).text, 2);
  paragraph(doc, para(2, 2));
  heading(doc, parents, h(2).text, 3);
  paragraph(doc, 'The sample covers the following:');
  list(doc, SAMPLE.bullets, false);

  // Page 2: 2 / 2.1 numbered list / 2.2 table and equation.
  doc.addPage();
  heading(doc, parents, h(3).text, 1);
  paragraph(doc, para(3, 2));
  heading(doc, parents, h(4).text, 2);
  paragraph(doc, 'Each run follows three steps:');
  list(doc, SAMPLE.numbered, true);
  heading(doc, parents, h(5).text, 2);
  paragraph(doc, para(0, 1));
  table(doc);
  paragraph(doc, 'The runs are related by the identity below, where each letter stands for the share of one stage:');
  equation(doc);
  paragraph(doc, para(2, 1));

  // Page 3: 3 / 3.1 figure / 3.1.1.
  doc.addPage();
  heading(doc, parents, h(6).text, 1);
  paragraph(doc, para(1, 1));
  heading(doc, parents, h(7).text, 2);
  figure(doc);
  paragraph(doc, para(3, 2));
  heading(doc, parents, h(8).text, 3);
  paragraph(doc, para(0, 2));

  // Page 4: 4.
  doc.addPage();
  heading(doc, parents, h(9).text, 1);
  paragraph(doc, para(2, 3));
  paragraph(doc, para(1, 3));

  decorate(doc, true);
  return collect(doc);
}
