import { expect } from 'chai';
import { splitPrinted } from '../eval/printed.ts';

describe('heading eval: outline entries that are printed', () => {
  it('separates titles printed on their page +-1 from titles not printed and from pages without text', () => {
    const pages = ['Contents', '1 Foo\nSome prose about foo.', 'Chapter 2 Results and more prose', '', ''];
    const split = splitPrinted(
      [
        { title: 'Foo', page: 1 }, // printed with a number in front
        { title: '2 Results', page: 3 }, // printed one page earlier, label differs
        { title: 'First', page: 1 }, // a bookmark name the page never prints
        { title: 'Scanned chapter', page: 4 }, // page 4 and its neighbour 3 have no text
      ],
      pages,
    );
    expect(split.printed.map((t) => t.title)).to.deep.equal(['Foo', '2 Results']);
    expect(split.notInText.map((t) => t.title)).to.deep.equal(['First']);
    expect(split.noTextLayer.map((t) => t.title)).to.deep.equal(['Scanned chapter']);
  });
});
