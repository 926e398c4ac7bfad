//! Neutralising what scanned files control (names, code, messages built from code) before it
//! reaches a terminal, a CI log or a rendered page: control characters, terminal escape
//! sequences, line breaks and bidirectional overrides become visible, inert text.

use std::borrow::Cow;

/// Whether `c` could change how the text around it is shown: C0/C1 controls, DEL, and the
/// bidirectional embedding, override and isolate characters ("Trojan Source").
pub fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` on one line with every unsafe character written as an escape (`\n`, `\r`, `\t`,
/// `\u{1b}`), so a file name or message cannot start a new log line or drive the terminal.
pub fn sanitize(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_unsafe(c) => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Source text for a code frame: every unsafe character except line breaks and tabs replaced by
/// `?` bytes of the same length, so byte offsets into the text stay valid.
pub fn blank_controls(text: &str) -> Cow<'_, str> {
    let keep = |c: char| matches!(c, '\n' | '\t') || !is_unsafe(c);
    let lone_cr = |i: usize| text.as_bytes().get(i + 1) != Some(&b'\n');
    if text
        .char_indices()
        .all(|(i, c)| keep(c) || (c == '\r' && !lone_cr(i)))
    {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        if keep(c) || (c == '\r' && !lone_cr(i)) {
            out.push(c);
        } else {
            out.extend(std::iter::repeat_n('?', c.len_utf8()));
        }
    }
    Cow::Owned(out)
}

/// Text for HTML element content or a quoted attribute: unsafe characters made visible
/// ([`sanitize`]), then `& < > " '` written as character references.
pub fn html(text: &str) -> String {
    markup(&sanitize(text))
}

/// Source text for an HTML code frame: unsafe characters blanked ([`blank_controls`], line breaks
/// kept), then `& < > " '` written as character references.
pub fn html_code(text: &str) -> String {
    markup(&blank_controls(text))
}

fn markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_makes_controls_visible_on_one_line() {
        assert_eq!(sanitize("app/views.py"), "app/views.py");
        assert_eq!(
            sanitize("a\n::stop-commands::x\r\t\u{1b}[31m\u{7f}\u{9b}\u{202e}.py"),
            "a\\n::stop-commands::x\\r\\t\\u{1b}[31m\\u{7f}\\u{9b}\\u{202e}.py"
        );
        assert!(matches!(sanitize("été ✓"), Cow::Borrowed(_)));
    }

    #[test]
    fn html_escapes_markup_and_controls() {
        assert_eq!(
            html("<script>alert('x')</script>\" onload=\"&\n\u{202e}"),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot; onload=&quot;&amp;\\n\\u{202e}"
        );
        assert_eq!(html_code("a < b\n\u{1b}[2J"), "a &lt; b\n?[2J");
    }

    #[test]
    fn blank_controls_keeps_lengths_and_line_breaks() {
        let text = "x = \"\u{1b}[2J\u{202e}\"\r\ny\rz\u{85}\n";
        let blanked = blank_controls(text);
        assert_eq!(blanked.len(), text.len());
        assert_eq!(blanked, "x = \"?[2J???\"\r\ny?z??\n");
        assert!(matches!(blank_controls("a\r\n\tb\n"), Cow::Borrowed(_)));
    }
}
