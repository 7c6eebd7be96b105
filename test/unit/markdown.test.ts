// The escaping every tooltip and hover uses for text from images, checked through marked, the renderer of
// VS Code's hovers: what a stranger writes in a label or a build step must come out as the same characters,
// with no link, image or HTML.
import * as assert from 'assert';
import { decodeHtml as decode, htmlTags as tags, renderMarkdown as render } from '../fixtures/markdown';
import { commandUri, escapeMarkdown, markdownCodeBlock } from '../../src/ui/markdown';

const PAYLOADS = [
  '[click me](https://evil.example/steal)',
  '![pixel](https://evil.example/p.png)',
  'see https://evil.example/bare or www.evil.example or mail me@evil.example',
  '<img src="https://evil.example/p.png"> <a href="https://evil.example">x</a> <script>alert(1)</script>',
  '&lt;b&gt;entity&lt;/b&gt; &#106;avascript:alert(1)',
  '# heading\n* item\n1. numbered\n> quote\n---\n| a | b |\n|---|---|\n| 1 | 2 |',
  '**bold** _em_ ~~struck~~ `code` $(zap) \\[still text\\] [ref]: https://evil.example',
  'first line\n\n    indented four\n\ttabbed\n\nlast [x](javascript:alert(1))',
  '<https://evil.example/angle> [x][1]\n\n[1]: https://evil.example/ref',
];

describe('Markdown from image text', () => {
  for (const text of PAYLOADS) {
    it(`renders as plain text: ${JSON.stringify(text.slice(0, 40))}`, () => {
      const html = render(escapeMarkdown(text));
      assert.deepStrictEqual([...new Set(tags(html))].filter((t) => t !== 'p' && t !== 'br'), [], html);
      const shown = decode(html.replace(/<br>\n?/g, '\n').replace(/<\/?p>\n?/g, '')).replace(/\u00a0/g, ' ').trimEnd();
      assert.strictEqual(shown, text.replace(/^$/gm, ' ').replace(/\t/g, ' '));
    });
  }

  it('keeps a build step in a code block that no run of backticks inside it can close', () => {
    const step = 'RUN echo hi\n   ```\n[click](https://evil.example) ![](https://evil.example/pixel.png) <img src=x>\n  ````` more\n```';
    const html = render('before' + markdownCodeBlock(step, 'dockerfile') + '\nafter');
    assert.deepStrictEqual(tags(html).filter((t) => t === 'a' || t === 'img'), []);
    const code = /<pre><code[^>]*>([\s\S]*?)<\/code><\/pre>/.exec(html);
    assert.ok(code, html);
    assert.strictEqual(decode(code[1]).replace(/\n$/, ''), step);
    assert.match(html, /class="language-dockerfile"/);
    // The fence VS Code's own appendCodeblock writes is closed by the step's indented backticks.
    assert.match(render('\n```dockerfile\n' + step + '\n```\n'), /<a href="https:\/\/evil\.example"/);
  });

  it('builds command links whose arguments cannot end the link', () => {
    const uri = commandUri('imageLayers.inspectImage', 'evil) [x](https://evil.example');
    const html = render(`[Inspect](${uri})`);
    assert.deepStrictEqual(tags(html), ['p', 'a', 'a', 'p']);
    const href = decode(/href="([^"]*)"/.exec(html)![1]);
    assert.deepStrictEqual(JSON.parse(decodeURIComponent(href.slice('command:imageLayers.inspectImage?'.length))), ['evil) [x](https://evil.example']);
  });
});
