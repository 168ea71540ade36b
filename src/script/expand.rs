//! Substitutions of `for` loops: `user{i}`, `{(i + 1) % 100}`, `b"seed-{i}"`.
//! A `{EXPR}` is replaced by the decimal value of EXPR, an integer
//! expression over the loop variables in scope and literals with `+ - * / %`
//! and parentheses, in u64 arithmetic that is checked: an overflow or a
//! division by zero is an error at the script's line and column.

use super::ast::Span;
use super::ScriptError;

/// The loop variables in scope, outermost first.
pub(super) type Vars = [(String, u64)];

/// Parentheses nested in one expression: the evaluator recurses once per
/// level, so a hostile script cannot exhaust the stack.
const MAX_PAREN_DEPTH: usize = 32;

/// `text` (a word, or a byte string's contents when `bytes`) with every
/// `{EXPR}` replaced by its value. `span` is where the text starts, and
/// `offset` the column of its first character relative to `span` (2 for the
/// contents of `b"...`). In a byte string `{{` writes one `{`.
pub(super) fn substitute(text: &str, span: Span, offset: u32, bytes: bool, vars: &Vars) -> Result<String, ScriptError> {
    if !text.contains('{') {
        return Ok(text.to_string());
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.char_indices().peekable();
    let mut col = span.col + offset;
    while let Some((at, c)) = chars.next() {
        let here = Span { line: span.line, col };
        col += 1;
        if c != '{' {
            out.push(c);
            continue;
        }
        if bytes && chars.peek().is_some_and(|&(_, next)| next == '{') {
            chars.next();
            col += 1;
            out.push('{');
            continue;
        }
        let rest = &text[at + 1..];
        let Some(len) = rest.find('}') else {
            return Err(ScriptError::at(here, "unterminated `{`: a substitution `{EXPR}` closes on its line"));
        };
        let expr = &rest[..len];
        let value = eval(expr, vars).map_err(|message| {
            let bound = if vars.is_empty() {
                " (no loop variable is bound here: `{EXPR}` belongs in the body of a `for`)".to_string()
            } else {
                let values: Vec<String> = vars.iter().map(|(name, v)| format!("{name} = {v}")).collect();
                format!(" (with {})", values.join(", "))
            };
            // `block {call ...}` lexes as a substitution: say why.
            let hint = if at == 0 && !bytes && looks_like_commands(expr, vars) {
                "; a `{` that opens a block or a loop body is followed by a space or a line break"
            } else {
                ""
            };
            ScriptError::at(here, format!("in `{{{expr}}}`: {message}{bound}{hint}"))
        })?;
        out.push_str(&value.to_string());
        for _ in 0..=expr.chars().count() {
            chars.next();
            col += 1;
        }
    }
    Ok(out)
}

/// Whether `expr` reads as commands rather than arithmetic: a word that is
/// no loop variable, then another that is no operator (`call a m::f`).
fn looks_like_commands(expr: &str, vars: &Vars) -> bool {
    let mut words = expr.split_whitespace();
    let (Some(first), Some(second)) = (words.next(), words.next()) else { return false };
    let is_word = first.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_');
    is_word && !vars.iter().any(|(v, _)| v == first) && !second.starts_with(['+', '-', '*', '/', '%', ')'])
}

/// The value of `expr`, or why it has none.
pub(super) fn eval(expr: &str, vars: &Vars) -> Result<u64, String> {
    let tokens = tokenize(expr)?;
    let mut parser = ExprParser { tokens: &tokens, at: 0, vars, depth: 0 };
    let value = parser.sum()?;
    match parser.tokens.get(parser.at) {
        None => Ok(value),
        Some(tok) => Err(format!("unexpected {}", tok.describe())),
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum ExprTok {
    Num(u64),
    Var(String),
    Op(char),
    Open,
    Close,
}

impl ExprTok {
    fn describe(&self) -> String {
        match self {
            ExprTok::Num(n) => format!("`{n}`"),
            ExprTok::Var(v) => format!("`{v}`"),
            ExprTok::Op(c) => format!("`{c}`"),
            ExprTok::Open => "`(`".into(),
            ExprTok::Close => "`)`".into(),
        }
    }
}

/// The letters, digits and `_` from the front of `chars`: a number (whose
/// bad digits the caller reports whole) or a variable's name.
fn take_word(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> String {
    let mut word = String::new();
    while let Some(&d) = chars.peek() {
        if !(d.is_ascii_alphanumeric() || d == '_') {
            break;
        }
        word.push(d);
        chars.next();
    }
    word
}

fn tokenize(expr: &str) -> Result<Vec<ExprTok>, String> {
    let mut out = Vec::new();
    let mut chars = expr.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c.is_ascii_digit() {
            let digits = take_word(&mut chars);
            let clean: String = digits.chars().filter(|&d| d != '_').collect();
            let n = clean.parse::<u64>().map_err(|_| format!("`{digits}` is not a u64 number"))?;
            out.push(ExprTok::Num(n));
        } else if c.is_ascii_alphabetic() || c == '_' {
            out.push(ExprTok::Var(take_word(&mut chars)));
        } else {
            chars.next();
            out.push(match c {
                '+' | '-' | '*' | '/' | '%' => ExprTok::Op(c),
                '(' => ExprTok::Open,
                ')' => ExprTok::Close,
                _ => {
                    return Err(format!(
                        "unexpected `{c}` (an expression has numbers, loop variables, + - * / % and parentheses)"
                    ))
                }
            });
        }
    }
    Ok(out)
}

struct ExprParser<'a> {
    tokens: &'a [ExprTok],
    at: usize,
    vars: &'a Vars,
    depth: usize,
}

impl ExprParser<'_> {
    fn op(&mut self, ops: &[char]) -> Option<char> {
        match self.tokens.get(self.at) {
            Some(ExprTok::Op(c)) if ops.contains(c) => {
                self.at += 1;
                Some(*c)
            }
            _ => None,
        }
    }

    fn sum(&mut self) -> Result<u64, String> {
        let mut value = self.product()?;
        while let Some(op) = self.op(&['+', '-']) {
            let rhs = self.product()?;
            value = if op == '+' {
                value.checked_add(rhs).ok_or_else(|| format!("{value} + {rhs} overflows u64"))?
            } else {
                value.checked_sub(rhs).ok_or_else(|| format!("{value} - {rhs} is negative"))?
            };
        }
        Ok(value)
    }

    fn product(&mut self) -> Result<u64, String> {
        let mut value = self.atom()?;
        while let Some(op) = self.op(&['*', '/', '%']) {
            let rhs = self.atom()?;
            value = match op {
                '*' => value.checked_mul(rhs).ok_or_else(|| format!("{value} * {rhs} overflows u64"))?,
                '/' => value.checked_div(rhs).ok_or_else(|| format!("{value} / {rhs} divides by zero"))?,
                _ => value.checked_rem(rhs).ok_or_else(|| format!("{value} % {rhs} divides by zero"))?,
            };
        }
        Ok(value)
    }

    fn atom(&mut self) -> Result<u64, String> {
        let tok = self.tokens.get(self.at).cloned();
        self.at += 1;
        match tok {
            Some(ExprTok::Num(n)) => Ok(n),
            Some(ExprTok::Var(name)) => {
                // The innermost binding: names are unique in scope anyway.
                match self.vars.iter().rev().find(|(v, _)| *v == name) {
                    Some((_, value)) => Ok(*value),
                    None => Err(format!("unknown variable `{name}`")),
                }
            }
            Some(ExprTok::Open) => {
                if self.depth >= MAX_PAREN_DEPTH {
                    return Err(format!("parentheses nested more than {MAX_PAREN_DEPTH} deep"));
                }
                self.depth += 1;
                let value = self.sum()?;
                self.depth -= 1;
                match self.tokens.get(self.at) {
                    Some(ExprTok::Close) => {
                        self.at += 1;
                        Ok(value)
                    }
                    Some(tok) => Err(format!("expected `)`, found {}", tok.describe())),
                    None => Err("expected `)`, found the end of the expression".into()),
                }
            }
            Some(tok) => Err(format!("expected a number, a loop variable or `(`, found {}", tok.describe())),
            None => Err("expected a number, a loop variable or `(`, found the end of the expression".into()),
        }
    }
}
