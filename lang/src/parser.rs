//! The parser entry points: lex, prepare the token stream, run the lalrpop
//! grammar, and collect every diagnostic (lexical, syntactic, literal ranges).

use std::convert::Infallible;

use crate::ast::{Module, Program};
use crate::builder::Ctx;
use crate::depth;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::lexer::{lex, Token};
use crate::source::{SourceFile, Span};

lalrpop_util::lalrpop_mod!(
    #[allow(clippy::all, clippy::pedantic, clippy::nursery, clippy::unwrap_used, unused, unused_qualifications)]
    grammar
);

/// How many tokens a type-argument list may span (`a < b ... >`); bounds the
/// look-ahead so telling `<` apart stays linear in the input. A type as deep
/// as the bytecode allows (32 levels, `vector<` 31 times around `0x1::m::S`)
/// spans 82 tokens.
const MAX_GENERIC_SCAN: usize = 128;

/// Parses every source file. Files are numbered by their index in `sources`.
/// Modules come back in source order; diagnostics sorted by location per file.
pub fn parse(sources: &[SourceFile]) -> (Program, Diagnostics) {
    let mut program = Program::default();
    let mut diags = Diagnostics::new();
    for (index, source) in sources.iter().enumerate() {
        let Ok(file) = u32::try_from(index) else {
            diags.push(Diagnostic::global(Code::SourceTooLarge, "too many source files"));
            break;
        };
        let (modules, file_diags) = parse_file(file, &source.text);
        program.modules.extend(modules);
        diags.extend(file_diags);
    }
    (program, diags)
}

/// Parses one file. Returns the modules that parsed (possibly with error nodes
/// where the parser recovered) and the diagnostics, sorted by position.
pub fn parse_file(file: u32, text: &str) -> (Vec<Module>, Vec<Diagnostic>) {
    if u32::try_from(text.len()).is_err() {
        let d = Diagnostic::new(Code::SourceTooLarge, Span::new(file, 0, 0), "source file larger than 4 GiB");
        return (Vec::new(), vec![d]);
    }
    let (tokens, mut diags) = lex(file, text);
    let tokens = prepare(tokens, &mut diags);
    let estimate = depth::token_depth(&tokens);
    if let Some(at) = estimate.exceeded_at {
        diags.push(too_deep(tokens[at].1));
        return (Vec::new(), diags);
    }
    let spans: Vec<Span> = tokens.iter().map(|(_, s)| *s).collect();
    let after_lex_error = tokens_after_errors(&spans, &diags);
    // An unterminated comment or string swallowed the rest of the file: the
    // parser's "unexpected end of file" would only repeat that.
    let swallowed = diags.iter().any(|d| matches!(d.code, Code::UnterminatedComment | Code::UnterminatedString));
    let mut ctx = Ctx::new(file, spans, after_lex_error);
    let input = tokens.iter().map(|&(t, s)| Ok::<_, Infallible>((s.start as usize, t, s.end as usize)));
    let mut modules = match grammar::ProgramParser::new().parse(&mut ctx, input) {
        Ok(modules) => modules,
        Err(error) => {
            ctx.syntax_error(error);
            Vec::new()
        }
    };
    // The token estimate bounds the depth: measure exactly only when it might be too deep.
    if estimate.max > depth::MAX_DEPTH {
        modules.retain(|m| match depth::module_too_deep(m) {
            Some(span) => {
                diags.push(too_deep(span));
                false
            }
            None => true,
        });
    }
    for mut d in ctx.finish() {
        if d.code == Code::UnexpectedEof {
            if swallowed {
                continue;
            }
            if let Some(open) = unclosed_brace(text, &tokens) {
                d = d.with_secondary(open, "this `{` is never closed");
            }
        }
        diags.push(d);
    }
    crate::diagnostics::move_hints::add(&tokens, &mut diags);
    diags.sort_by_key(|d| d.primary_span().map(|s| (s.start, s.end)));
    (modules, diags)
}

fn too_deep(span: Span) -> Diagnostic {
    Diagnostic::new(Code::NestingTooDeep, span, "nesting too deep")
        .with_label_message("this is nested too deeply")
        .with_note(format!("expressions, blocks, types and patterns may nest at most {} levels", depth::MAX_DEPTH))
        .with_hint("split the expression using `let` bindings or helper functions")
}

/// Indexes of the first token after each lexical error, sorted.
fn tokens_after_errors(spans: &[Span], diags: &[Diagnostic]) -> Vec<usize> {
    let mut out: Vec<usize> = diags
        .iter()
        .filter(|d| d.is_error())
        .filter_map(Diagnostic::primary_span)
        .map(|e| spans.partition_point(|s| s.start < e.end))
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// The `{` that most likely lacks its `}`. Counting alone blames the outermost
/// brace; indentation tells better: the first `}` indented less than the line of
/// the `{` it closes most likely belongs to an outer brace, so that `{` is the
/// unclosed one. Falls back to the innermost brace still open at the end.
fn unclosed_brace(text: &str, tokens: &[(Token<'_>, Span)]) -> Option<Span> {
    let bytes = text.as_bytes();
    let line_starts: Vec<usize> =
        std::iter::once(0).chain(bytes.iter().enumerate().filter(|(_, &b)| b == b'\n').map(|(i, _)| i + 1)).collect();
    let indents: Vec<usize> = line_starts
        .iter()
        .map(|&start| bytes[start..].iter().take_while(|&&b| b == b' ' || b == b'\t').count())
        .collect();
    let line_of = |offset: u32| line_starts.partition_point(|&s| s <= offset as usize).saturating_sub(1);
    let column = |offset: u32| (offset as usize).saturating_sub(line_starts[line_of(offset)]);
    let indent = |offset: u32| indents[line_of(offset)];
    let mut stack = Vec::new();
    for &(t, s) in tokens {
        match t {
            Token::LBrace => stack.push(s),
            Token::RBrace => {
                if let Some(open) = stack.pop() {
                    if column(s.start) < indent(open.start) {
                        return Some(open);
                    }
                }
            }
            _ => {}
        }
    }
    stack.pop()
}

/// Token-stream fixes the LR(1) grammar cannot make by itself:
/// drops doc comments that document nothing (with a warning), and marks the `<`
/// that open type arguments.
pub fn prepare<'a>(tokens: Vec<(Token<'a>, Span)>, diags: &mut Vec<Diagnostic>) -> Vec<(Token<'a>, Span)> {
    let mut tokens = attach_docs(tokens, diags);
    mark_generics(&mut tokens);
    tokens
}

fn attach_docs<'a>(tokens: Vec<(Token<'a>, Span)>, diags: &mut Vec<Diagnostic>) -> Vec<(Token<'a>, Span)> {
    let is_doc = |t: &Token<'_>| matches!(t, Token::DocComment(_));
    if !tokens.iter().any(|(t, _)| is_doc(t)) {
        return tokens;
    }
    let mut out = Vec::with_capacity(tokens.len());
    let mut prev: Option<Token<'a>> = None;
    let mut i = 0;
    while i < tokens.len() {
        let (token, span) = tokens[i];
        if !is_doc(&token) {
            prev = Some(token);
            out.push((token, span));
            i += 1;
            continue;
        }
        // A run of doc comments documents whatever follows the run.
        let end = tokens[i..].iter().position(|(t, _)| !is_doc(t)).map_or(tokens.len(), |p| i + p);
        let next = tokens.get(end).map(|(t, _)| *t);
        let item_start = matches!(
            next,
            Some(
                Token::Module
                    | Token::Use
                    | Token::Friend
                    | Token::Struct
                    | Token::Const
                    | Token::Fun
                    | Token::Public
                    | Token::Entry
                    | Token::Hash
            )
        );
        let field_start = matches!(next, Some(Token::Ident(_)))
            && matches!(tokens.get(end + 1), Some((Token::Colon, _)))
            && matches!(prev, Some(Token::LBrace | Token::Comma));
        for &(doc, doc_span) in &tokens[i..end] {
            if item_start || field_start {
                out.push((doc, doc_span));
            } else {
                diags.push(
                    Diagnostic::new(Code::DanglingDocComment, doc_span, "doc comment is not attached to anything")
                        .with_label_message("documents nothing")
                        .with_hint("doc comments (`///`) go before modules, items and struct fields; use `//` here"),
                );
            }
        }
        i = end;
    }
    out
}

/// Finds `name<...>` where `<...>` looks like type arguments and is followed by a
/// token that can follow a type or a generic call; marks its `<` as
/// [`Token::GenericLt`] (inner `<` too) and splits a closing `>>` into two `>`.
/// Like Move, `f<T>(x)` is a generic call and `a < b` a comparison.
fn mark_generics(tokens: &mut Vec<(Token<'_>, Span)>) {
    let mut splits: Vec<usize> = Vec::new();
    let mut i = 0;
    while i + 1 < tokens.len() {
        if matches!(tokens[i].0, Token::Ident(_)) && tokens[i + 1].0 == Token::Lt {
            if let Some(end) = scan_type_args(tokens, i + 1, &mut splits) {
                for token in &mut tokens[i + 1..end] {
                    if token.0 == Token::Lt {
                        token.0 = Token::GenericLt;
                    }
                }
                i = end;
                continue;
            }
        }
        i += 1;
    }
    if splits.is_empty() {
        return;
    }
    let mut out = Vec::with_capacity(tokens.len() + splits.len());
    let mut next_split = splits.iter().peekable();
    for (index, &(token, span)) in tokens.iter().enumerate() {
        if next_split.peek() == Some(&&index) {
            next_split.next();
            out.push((Token::Gt, Span { end: span.start + 1, ..span }));
            out.push((Token::Gt, Span { start: span.start + 1, ..span }));
        } else {
            out.push((token, span));
        }
    }
    *tokens = out;
}

/// Scans a candidate type-argument list starting at the `<` at `open`. On success
/// returns the index just past the closing `>` and records `>>` tokens to split.
fn scan_type_args(tokens: &[(Token<'_>, Span)], open: usize, splits: &mut Vec<usize>) -> Option<usize> {
    let mut depth = 0usize;
    let mut pending = Vec::new();
    let limit = tokens.len().min(open + MAX_GENERIC_SCAN);
    for k in open..limit {
        match tokens[k].0 {
            Token::Lt => depth += 1,
            Token::Gt => depth -= 1,
            Token::Shr if depth >= 2 => {
                depth -= 2;
                pending.push(k);
            }
            Token::Ident(_) | Token::ColonColon | Token::Comma | Token::Amp | Token::Mut | Token::Number(_) => {}
            _ => return None,
        }
        if depth == 0 {
            let follows = tokens.get(k + 1).map(|(t, _)| *t);
            let ok = matches!(
                follows,
                None | Some(
                    Token::LParen
                        | Token::LBracket
                        | Token::LBrace
                        | Token::Comma
                        | Token::RParen
                        | Token::Semi
                        | Token::Eq
                        | Token::RBrace
                        | Token::Acquires
                        // `acquires write Balance<T>@to` and `Balance<T>@0x1`
                        | Token::At
                        | Token::AddressLit(_)
                )
            );
            if !ok {
                return None;
            }
            splits.extend(pending);
            return Some(k + 1);
        }
    }
    None
}
