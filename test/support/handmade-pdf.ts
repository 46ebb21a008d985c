/**
 * PDFs written byte by byte, for what pdfkit cannot make: simple fonts with a hand-set
 * /Encoding (/Differences naming glyphs) and no ToUnicode map, and raw text strings in a font's
 * own single-byte codes.
 */

/** One line of text: `bytes` are the string's codes in the font (0-255), drawn at (x, y) in points from the bottom left. */
export interface HandLine {
  font: string;
  size: number;
  x: number;
  y: number;
  bytes: number[];
}

/** A simple font resource: `dict` is the body of its font dictionary (without << >>), e.g. `/Type /Font /Subtype /Type1 /BaseFont /Times-Roman`. */
export interface HandFont {
  name: string;
  dict: string;
}

function hexString(bytes: number[]): string {
  return `<${bytes.map((b) => b.toString(16).padStart(2, '0')).join('')}>`;
}

/** A one-page PDF (A4) with the given fonts and lines; `extraObjects` are appended as objects 100, 101, ... for fonts to reference (font files, encodings). */
export function handmadePdf(fonts: HandFont[], lines: HandLine[], extraObjects: Array<string | Buffer> = []): Buffer {
  const content = lines.map((l) => `BT /${l.font} ${l.size} Tf ${l.x} ${l.y} Td ${hexString(l.bytes)} Tj ET`).join('\n');
  const objects: Array<[number, string | Buffer]> = [
    [1, '<< /Type /Catalog /Pages 2 0 R >>'],
    [2, '<< /Type /Pages /Kids [3 0 R] /Count 1 >>'],
    [3, `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << ${fonts.map((f, i) => `/${f.name} ${10 + i} 0 R`).join(' ')} >> >> >>`],
    [4, `<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}\nendstream`],
    ...fonts.map((f, i): [number, string] => [10 + i, `<< ${f.dict} >>`]),
    ...extraObjects.map((o, i): [number, string | Buffer] => [100 + i, o]),
  ];
  const parts: Buffer[] = [Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  let offset = parts[0]!.length;
  const offsets = new Map<number, number>();
  for (const [num, body] of objects) {
    offsets.set(num, offset);
    const chunk = Buffer.concat([Buffer.from(`${num} 0 obj\n`, 'latin1'), typeof body === 'string' ? Buffer.from(body, 'latin1') : body, Buffer.from('\nendobj\n', 'latin1')]);
    parts.push(chunk);
    offset += chunk.length;
  }
  const max = Math.max(...objects.map(([n]) => n));
  let xref = `xref\n0 ${max + 1}\n0000000000 65535 f \n`;
  for (let n = 1; n <= max; n++) {
    const at = offsets.get(n);
    xref += at === undefined ? '0000000000 65535 f \n' : `${String(at).padStart(10, '0')} 00000 n \n`;
  }
  parts.push(Buffer.from(`${xref}trailer\n<< /Size ${max + 1} /Root 1 0 R >>\nstartxref\n${offset}\n%%EOF\n`, 'latin1'));
  return Buffer.concat(parts);
}

/** Type 1 eexec / charstring encryption (Adobe Type 1 Font Format, ch. 7). */
function encrypt(plain: Buffer, key: number): Buffer {
  let r = key;
  const out = Buffer.alloc(plain.length);
  for (let i = 0; i < plain.length; i++) {
    const c = plain[i]! ^ (r >> 8);
    out[i] = c;
    r = ((c + r) * 52845 + 22719) & 0xffff;
  }
  return out;
}

/**
 * A minimal Type 1 font program whose built-in /Encoding names the glyphs at the given codes
 * (every glyph an empty 500-unit advance), as a FontFile stream object with its Length1/2/3.
 */
export function type1FontFile(fontName: string, encoding: Record<number, string>): Buffer {
  const names = [...new Set(Object.values(encoding))];
  const clear = Buffer.from(
    [
      `%!PS-AdobeFont-1.0: ${fontName} 001.000`,
      '11 dict begin',
      `/FontName /${fontName} def`,
      '/PaintType 0 def',
      '/FontType 1 def',
      '/FontMatrix [0.001 0 0 0.001 0 0] readonly def',
      '/FontBBox {0 -200 1000 800} readonly def',
      '/Encoding 256 array',
      '0 1 255 {1 index exch /.notdef put} for',
      ...Object.entries(encoding).map(([code, name]) => `dup ${code} /${name} put`),
      'readonly def',
      'currentdict end',
      'currentfile eexec',
      '',
    ].join('\n'),
    'latin1',
  );
  // "0 500 hsbw endchar": 0 -> 139; 500 -> 248 136 (108..1131 form); hsbw = 13; endchar = 14.
  const glyph = encrypt(Buffer.from([0, 0, 0, 0, 139, 248, 136, 13, 14]), 4330);
  const parts: Buffer[] = [
    Buffer.from(
      ['dup /Private 8 dict dup begin', '/RD {string currentfile exch readstring pop} executeonly def', '/ND {noaccess def} executeonly def', '/NP {noaccess put} executeonly def', '/BlueValues [] ND', '/MinFeature {16 16} ND', '/password 5839 def', '/lenIV 4 def', `2 index /CharStrings ${names.length + 1} dict dup begin`, ''].join('\n'),
      'latin1',
    ),
  ];
  for (const n of ['.notdef', ...names]) parts.push(Buffer.from(`/${n} ${glyph.length} RD `, 'latin1'), glyph, Buffer.from(' ND\n', 'latin1'));
  parts.push(Buffer.from('end\nend\nreadonly put\nnoaccess put\ndup /FontName get exch definefont pop\nmark currentfile closefile\n', 'latin1'));
  const eexec = encrypt(Buffer.concat([Buffer.from([0, 0, 0, 0]), ...parts]), 55665);
  const trailer = Buffer.from(`${'0'.repeat(64)}\n`.repeat(8) + 'cleartomark\n', 'latin1');
  const body = Buffer.concat([clear, eexec, trailer]);
  return Buffer.concat([
    Buffer.from(`<< /Length ${body.length} /Length1 ${clear.length} /Length2 ${eexec.length} /Length3 ${trailer.length} >>\nstream\n`, 'latin1'),
    body,
    Buffer.from('\nendstream', 'latin1'),
  ]);
}
