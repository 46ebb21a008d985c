import type { Block, Section } from '../protocol/pdf/index.ts';

/**
 * Derive the section tree from the SectionHeader blocks of a document in reading order, and stamp
 * every block with its `sectionId` and `sectionHierarchy`. Shared by the extractor and the
 * converter so both produce the same tree for the same headings.
 *
 * Parent = nearest preceding section with a lower level, so skipped levels (1 then 3) still nest.
 * Blocks before the first heading belong to no section.
 */
export function buildSections(blocks: Block[], idPrefix = 'sec-'): Section[] {
  const sections: Section[] = [];
  const stack: Section[] = [];
  for (const block of blocks) {
    if (block.blockType === 'SectionHeader') {
      while (stack.length > 0 && stack[stack.length - 1]!.level >= block.level) stack.pop();
      const parent = stack[stack.length - 1];
      const section: Section = {
        id: `${idPrefix}${sections.length + 1}`,
        title: block.text.replace(/\s+/g, ' ').trim(),
        level: block.level,
        parentId: parent ? parent.id : null,
        pageStart: block.page,
        pageEnd: block.page,
        headerBlockId: block.id,
        blockIds: [],
      };
      sections.push(section);
      stack.push(section);
    }
    const current = stack[stack.length - 1];
    if (!current) {
      delete block.sectionId;
      delete block.sectionHierarchy;
      continue;
    }
    current.blockIds.push(block.id);
    block.sectionId = current.id;
    block.sectionHierarchy = Object.fromEntries(stack.map((s) => [String(s.level), s.id]));
    // A section spans to its last block, including blocks of its subsections.
    for (const open of stack) if (block.page > open.pageEnd) open.pageEnd = block.page;
  }
  return sections;
}
