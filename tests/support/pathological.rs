//! Pathological source files: the shapes that once crashed or hung a scan (deep nesting, long
//! chains and ladders, huge literals, deep indentation, odd Unicode and line endings), generated
//! rather than committed. Shared by the regression tests and the fuzzer (`examples/fuzz.rs`).

/// One generated input: a name, the file extension it is scanned as, and its text.
pub struct Case {
    #[allow(dead_code)] // the fuzzer does not name its seeds
    pub name: &'static str,
    pub extension: &'static str,
    pub text: String,
}

fn case(name: &'static str, extension: &'static str, text: String) -> Case {
    Case {
        name,
        extension,
        text,
    }
}

/// `prefix` + `n` copies of `item` joined by `separator` + `suffix`.
fn chain(prefix: &str, item: &str, separator: &str, n: usize, suffix: &str) -> String {
    let mut text = String::from(prefix);
    for i in 0..n {
        if i > 0 {
            text.push_str(separator);
        }
        text.push_str(item);
    }
    text.push_str(suffix);
    text
}

/// `n` opening and closing wrappers around `inner`.
fn nest(open: &str, inner: &str, close: &str, n: usize) -> String {
    format!("{}{inner}{}", open.repeat(n), close.repeat(n))
}

/// Python nested blocks, `depth` levels of `header` with one space of indentation per level.
fn python_blocks(header: &str, depth: usize, body: &str) -> String {
    let mut text = String::new();
    for level in 0..depth {
        text.push_str(&" ".repeat(level));
        text.push_str(header);
        text.push('\n');
    }
    text.push_str(&" ".repeat(depth));
    text.push_str(body);
    text.push('\n');
    text
}

/// Every pathological shape, at a size that used to abort or stall a scan (`scale` 1) or smaller.
/// `scale` divides the sizes, so the fuzzer can use cheap variants.
pub fn cases(scale: usize) -> Vec<Case> {
    let n = |size: usize| (size / scale.max(1)).max(2);
    vec![
        case(
            "py_plus_chain",
            "py",
            chain("x = ", "a", " + ", n(2_500), "\n"),
        ),
        case(
            "py_attribute_chain",
            "py",
            chain("x = a", "", ".b", n(10_000) + 1, "\n"),
        ),
        case("py_try_colons", "py", chain("try", "", ":y", n(5_000) + 1, "\n")),
        case(
            "py_right_nested_string_build",
            "py",
            format!(
                "def f(cursor, name):\n    q = {}\n    cursor.execute(q)\n",
                nest("\"a\" + (", "name", ")", n(50_000))
            ),
        ),
        case(
            "py_deep_indent_open_string",
            "py",
            python_blocks("if x:", n(511), "s = '''open"),
        ),
        case(
            "py_constant_string_concat",
            "py",
            format!(
                "def f(cursor):\n    cursor.execute({})\n",
                chain("", "\"SELECT a, b FROM t \"", " + ", n(14_000), "")
            ),
        ),
        case(
            "py_unwrap_like_call_chain",
            "py",
            chain("x = a", "", ".get()", n(10_000) + 1, "\n"),
        ),
        case(
            "py_elif_ladder",
            "py",
            format!(
                "def f(x):\n    if x == 0:\n        pass\n{}",
                (1..n(20_000))
                    .map(|i| format!("    elif x == {i}:\n        pass\n"))
                    .collect::<String>()
            ),
        ),
        case("py_nested_parens", "py", format!("x = {}\n", nest("(", "1", ")", n(100_000)))),
        case("py_nested_lists", "py", format!("x = {}\n", nest("[", "1", "]", n(50_000)))),
        case("py_nested_calls", "py", format!("x = {}\n", nest("f(", "1", ")", n(50_000)))),
        case(
            "py_nested_lambdas",
            "py",
            format!("x = {}\n", chain("", "lambda: ", "", n(20_000), "1")),
        ),
        case(
            "py_nested_functions",
            "py",
            python_blocks("def f(request):", n(400), "return request.GET['q']"),
        ),
        case(
            "py_nested_try",
            "py",
            python_blocks("try:", n(400), "pass"),
        ),
        case(
            "py_unary_chain",
            "py",
            format!("x = {}1\n", "-".repeat(n(50_000))),
        ),
        case(
            "py_not_chain",
            "py",
            format!("x = {}y\n", "not ".repeat(n(20_000))),
        ),
        case(
            "py_subscript_chain",
            "py",
            chain("x = a", "", "[0]", n(20_000) + 1, "\n"),
        ),
        case(
            "py_comparison_chain",
            "py",
            chain("x = ", "a", " < ", n(20_000), "\n"),
        ),
        case(
            "py_boolean_chain",
            "py",
            chain("x = ", "a", " and ", n(20_000), "\n"),
        ),
        case(
            "py_fstring_nest",
            "py",
            format!("x = {}\n", nest("f'{", "1", "}'", n(200))),
        ),
        case(
            "py_huge_string",
            "py",
            format!("x = \"{}\"\n", "a".repeat(n(1_000_000))),
        ),
        case(
            "py_unicode_and_line_endings",
            "py",
            "# -*- coding: utf-8 -*-\r\ndef f(request):\r\n    \u{feff}q = request.GET['\u{202e}ü']\r\n\u{2028}    x = 'é\u{1}'\r    return \u{1F600}\n\t\u{a0}y = 1\n"
                .repeat(n(2_000)),
        ),
        case(
            "rs_plus_chain",
            "rs",
            chain("fn f() { let x = ", "a", " + ", n(5_000), "; }\n"),
        ),
        case(
            "rs_string_build",
            "rs",
            format!(
                "fn f(conn: &Conn, name: &str) {{ let q = {}; conn.execute(&q); }}\n",
                chain("String::new()", "", " + name", n(5_000) + 1, "")
            ),
        ),
        case(
            "rs_else_if_ladder",
            "rs",
            format!(
                "fn f(x: u32) -> u32 {{ if x == 0 {{ 0 }}{} else {{ 1 }} }}\n",
                (1..n(20_000))
                    .map(|i| format!(" else if x == {i} {{ {i} }}"))
                    .collect::<String>()
            ),
        ),
        case(
            "rs_unwrap_chain",
            "rs",
            chain("fn f() { let x = a", "", ".unwrap()", n(10_000) + 1, "; }\n"),
        ),
        case(
            "rs_nested_closures",
            "rs",
            format!("fn f() {{ let x = {}; }}\n", chain("", "|| ", "", n(20_000), "1")),
        ),
        case(
            "rs_nested_blocks",
            "rs",
            format!("fn f() {}\n", nest("{ ", "1", " }", n(50_000))),
        ),
        case(
            "rs_nested_match",
            "rs",
            format!(
                "fn f(x: u8) -> u8 {{ {} }}\n",
                nest("match x { 0 => ", "0", ", _ => 1 }", n(5_000))
            ),
        ),
        case(
            "rs_nested_generics",
            "rs",
            format!("type T = {};\n", nest("Vec<", "u8", ">", n(20_000))),
        ),
        case(
            "rs_nested_modules",
            "rs",
            nest("mod m { ", "fn f() {}", " }", n(20_000)) + "\n",
        ),
        case(
            "rs_method_chain",
            "rs",
            chain("fn f() { a", "", ".b()", n(20_000) + 1, "; }\n"),
        ),
        case(
            "rs_unicode_and_line_endings",
            "rs",
            "fn f() {\r\n    let s = \"\u{202e}\u{1F600}\";\r    let r = r#\"\u{1}\"#;\n}\u{2028}\n"
                .repeat(n(2_000)),
        ),
    ]
}
