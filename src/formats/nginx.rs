//! nginx configuration files as spanned directive trees.
//!
//! A tolerant parser on crossplane's grammar: the lexer knows no directives,
//! only words (plain or quoted), `;`, `{`, `}` and `#` comments. Unknown
//! directives are kept (SL504 judges them, not the parser); only what nginx
//! itself cannot read is an error: unbalanced braces, a missing `;`, an
//! unterminated quote, a quote glued to the next word. nginx stops at the
//! first such error, and so does the error list here (later ones would be
//! echoes of the first), while the tree keeps everything read.
//!
//! `*_by_lua_block { … }` bodies are Lua, not nginx syntax: they are skipped
//! as one opaque block, honouring Lua strings and comments. Block nesting is
//! capped, so no input can make the tree deep enough to hurt.

use crate::extract::Text;
use crate::source::{FileId, Pos, Span};

/// Blocks nested deeper than this make the file a parse error; real configs
/// stay under ten.
pub const MAX_DEPTH: usize = 100;

/// A word of a directive: its text (quotes removed, `\"` unescaped) and where
/// it was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    pub text: Text,
    pub span: Span,
    /// Written in quotes: `""` is an empty argument and `"}"` is text.
    pub quoted: bool,
}

#[derive(Clone, Debug)]
pub struct Directive {
    pub name: Word,
    pub args: Vec<Word>,
    /// The directives of its `{ … }` block, if it has one. A Lua block is
    /// `Some(empty)` with `lua` set.
    pub block: Option<Vec<Directive>>,
    /// A `*_by_lua_block`, whose body was skipped as Lua.
    pub lua: bool,
    /// From the name to the closing `;` or `}`.
    pub span: Span,
}

impl NginxFile {
    /// Gives back the spare capacity of every list of the tree, which is
    /// kept until the model joins the files.
    pub fn shrink_to_fit(&mut self) {
        fn level(ds: &mut Vec<Directive>) {
            ds.shrink_to_fit();
            for d in ds {
                d.args.shrink_to_fit();
                if let Some(block) = &mut d.block {
                    level(block);
                }
            }
        }
        level(&mut self.directives);
        self.comments.shrink_to_fit();
    }
}

impl Directive {
    pub fn is(&self, name: &str) -> bool {
        self.name.text == name
    }

    pub fn arg(&self, i: usize) -> Option<&str> {
        self.args.get(i).map(|w| w.text.as_str())
    }

    pub fn children(&self) -> &[Directive] {
        self.block.as_deref().unwrap_or_default()
    }
}

/// A `# …` comment, kept for inline suppressions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    /// The text after `#`, without the line break.
    pub text: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    pub pos: Pos,
    pub message: String,
}

#[derive(Clone, Debug)]
pub struct NginxFile {
    pub file: FileId,
    pub directives: Vec<Directive>,
    pub comments: Vec<Comment>,
    /// At most one: nginx stops at the first syntax error.
    pub error: Option<SyntaxError>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    Word,
    Quoted,
    Semicolon,
    Open,
    Close,
    Comment,
    /// A quote that is never closed: the token runs to the end of the file.
    Unterminated,
    /// A quoted word glued to what follows (`"a"b`), which nginx refuses.
    Glued,
}

/// A token: its kind, byte range (quotes included) and start/end positions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub start: usize,
    pub end: usize,
    pub pos: Pos,
    pub end_pos: Pos,
}

/// Splits nginx configuration text into tokens, tracking 1-based lines and
/// character columns. Allocates nothing.
pub struct Lexer<'s> {
    bytes: &'s [u8],
    i: usize,
    line: u32,
    col: u32,
    /// The previous token was a quoted word: the next byte must be a
    /// separator.
    after_quote: bool,
}

impl<'s> Lexer<'s> {
    pub fn new(text: &'s str) -> Self {
        let bytes = text.as_bytes();
        // A byte order mark is not a column.
        let i = if bytes.starts_with(b"\xef\xbb\xbf") {
            3
        } else {
            0
        };
        Lexer {
            bytes,
            i,
            line: 1,
            col: 1,
            after_quote: false,
        }
    }

    fn pos(&self) -> Pos {
        Pos::new(self.line, self.col)
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.i).copied()
    }

    fn bump(&mut self) {
        if let Some(&b) = self.bytes.get(self.i) {
            if b == b'\n' {
                self.line = self.line.saturating_add(1);
                self.col = 1;
            } else if b & 0xC0 != 0x80 {
                self.col = self.col.saturating_add(1);
            }
            self.i += 1;
        }
    }

    fn token(&self, kind: TokenKind, start: usize, pos: Pos) -> Token {
        Token {
            kind,
            start,
            end: self.i,
            pos,
            end_pos: self.pos(),
        }
    }

    pub fn next_token(&mut self) -> Option<Token> {
        let after_quote = std::mem::take(&mut self.after_quote);
        if after_quote
            && let Some(b) = self.peek()
            && !is_space(b)
            && !matches!(b, b';' | b'{' | b'}' | b')')
        {
            let (start, pos) = (self.i, self.pos());
            self.bump();
            while self.peek().is_some_and(|b| b & 0xC0 == 0x80) {
                self.bump();
            }
            return Some(self.token(TokenKind::Glued, start, pos));
        }
        while self.peek().is_some_and(is_space) {
            self.bump();
        }
        let b = self.peek()?;
        let (start, pos) = (self.i, self.pos());
        match b {
            b'#' => {
                while self.peek().is_some_and(|b| b != b'\n') {
                    self.bump();
                }
                Some(self.token(TokenKind::Comment, start, pos))
            }
            b';' | b'{' | b'}' => {
                self.bump();
                let kind = match b {
                    b';' => TokenKind::Semicolon,
                    b'{' => TokenKind::Open,
                    _ => TokenKind::Close,
                };
                Some(self.token(kind, start, pos))
            }
            b'"' | b'\'' => {
                self.bump();
                loop {
                    match self.peek() {
                        None => return Some(self.token(TokenKind::Unterminated, start, pos)),
                        Some(b'\\') => {
                            self.bump();
                            self.bump();
                        }
                        Some(q) if q == b => {
                            self.bump();
                            self.after_quote = true;
                            return Some(self.token(TokenKind::Quoted, start, pos));
                        }
                        Some(_) => self.bump(),
                    }
                }
            }
            _ => {
                while let Some(b) = self.peek() {
                    match b {
                        b'\\' => {
                            self.bump();
                            self.bump();
                        }
                        // `${var}`: its braces open and close no block.
                        b'$' if self.bytes.get(self.i + 1) == Some(&b'{') => {
                            while self.peek().is_some_and(|b| b != b'}' && !is_space(b)) {
                                self.bump();
                            }
                            if self.peek() == Some(b'}') {
                                self.bump();
                            }
                        }
                        _ if is_space(b) || matches!(b, b';' | b'{' | b'}') => break,
                        _ => self.bump(),
                    }
                }
                Some(self.token(TokenKind::Word, start, pos))
            }
        }
    }

    /// Skips a Lua block body after its `{`, up to and including the
    /// matching `}`; `None` when the file ends first.
    pub fn skip_lua_block(&mut self) -> Option<Pos> {
        let mut depth = 1usize;
        while let Some(b) = self.peek() {
            match b {
                b'{' => {
                    depth += 1;
                    self.bump();
                }
                b'}' => {
                    self.bump();
                    depth -= 1;
                    if depth == 0 {
                        return Some(self.pos());
                    }
                }
                b'"' | b'\'' => {
                    self.bump();
                    while let Some(c) = self.peek() {
                        self.bump();
                        if c == b'\\' {
                            self.bump();
                        } else if c == b || c == b'\n' {
                            break;
                        }
                    }
                }
                b'-' if self.bytes.get(self.i + 1) == Some(&b'-') => {
                    self.bump();
                    self.bump();
                    if !self.skip_long_bracket() {
                        while self.peek().is_some_and(|c| c != b'\n') {
                            self.bump();
                        }
                    }
                }
                b'[' => {
                    if !self.skip_long_bracket() {
                        self.bump();
                    }
                }
                _ => self.bump(),
            }
        }
        None
    }

    /// Skips a Lua long bracket (`[[ … ]]`, `[==[ … ]==]`) if one starts here.
    fn skip_long_bracket(&mut self) -> bool {
        let rest = self.bytes.get(self.i..).unwrap_or_default();
        if rest.first() != Some(&b'[') {
            return false;
        }
        let level = rest.iter().skip(1).take_while(|&&c| c == b'=').count();
        if rest.get(level + 1) != Some(&b'[') {
            return false;
        }
        for _ in 0..level + 2 {
            self.bump();
        }
        while let Some(c) = self.peek() {
            self.bump();
            if c == b']' {
                let rest = self.bytes.get(self.i..).unwrap_or_default();
                let eq = rest.iter().take_while(|&&c| c == b'=').count();
                if eq == level && rest.get(eq) == Some(&b']') {
                    for _ in 0..=eq {
                        self.bump();
                    }
                    return true;
                }
            }
        }
        true
    }
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'\x0b' | b'\x0c')
}

/// The text of a word token: quotes removed, an escaped quote of the same
/// kind unescaped, other escapes kept as nginx passes them to modules.
fn word_text(raw: &str, kind: TokenKind) -> Text {
    if kind != TokenKind::Quoted {
        return Text::from(raw);
    }
    let mut chars = raw.chars();
    let quote = chars.next().unwrap_or('"');
    let inner = chars.as_str().strip_suffix(quote).unwrap_or(chars.as_str());
    if !inner.contains('\\') {
        return Text::from(inner);
    }
    let mut out = Text::with_capacity(inner.len());
    let mut it = inner.chars();
    while let Some(c) = it.next() {
        if c == '\\' {
            match it.next() {
                Some(n) if n == quote || n == '\\' => out.push(n),
                Some(n) => {
                    out.push('\\');
                    out.push(n);
                }
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

struct Frame {
    directives: Vec<Directive>,
    /// The directive whose block this is (name and arguments, block unset).
    opener: Option<Directive>,
}

/// Parses one file. Never fails: syntax errors are reported in the result,
/// and everything read before and after them is kept.
pub fn parse(text: &str, file: FileId) -> NginxFile {
    let mut lexer = Lexer::new(text);
    let mut out = NginxFile {
        file,
        directives: Vec::new(),
        comments: Vec::new(),
        error: None,
    };
    let mut stack: Vec<Frame> = vec![Frame {
        directives: Vec::new(),
        opener: None,
    }];
    let mut words: Vec<Word> = Vec::new();
    let span = |a: Pos, b: Pos| Span::new(file, a, b);
    let mut last_pos = Pos::START;
    while let Some(tok) = lexer.next_token() {
        last_pos = tok.end_pos;
        let raw = text.get(tok.start..tok.end).unwrap_or_default();
        match tok.kind {
            TokenKind::Comment => out.comments.push(Comment {
                text: raw
                    .trim_start_matches('#')
                    .trim_end_matches('\r')
                    .to_string(),
                span: span(tok.pos, tok.end_pos),
            }),
            TokenKind::Word | TokenKind::Quoted => words.push(Word {
                text: word_text(raw, tok.kind),
                span: span(tok.pos, tok.end_pos),
                quoted: tok.kind == TokenKind::Quoted,
            }),
            TokenKind::Glued => {
                error(
                    &mut out,
                    tok.pos,
                    format!(
                        "unexpected `{raw}` right after a quoted string: nginx needs a space, `;` or `{{` there"
                    ),
                );
            }
            TokenKind::Unterminated => {
                error(
                    &mut out,
                    tok.pos,
                    "quoted string is never closed: the rest of the file is inside it".into(),
                );
                words.clear();
                break;
            }
            TokenKind::Semicolon => {
                let mut it = std::mem::take(&mut words).into_iter();
                let Some(name) = it.next() else {
                    error(
                        &mut out,
                        tok.pos,
                        "unexpected `;` with no directive before it".into(),
                    );
                    continue;
                };
                let d = Directive {
                    span: span(name.span.start, tok.end_pos),
                    name,
                    args: it.collect(),
                    block: None,
                    lua: false,
                };
                if let Some(top) = stack.last_mut() {
                    top.directives.push(d);
                }
            }
            TokenKind::Open => {
                let mut it = std::mem::take(&mut words).into_iter();
                let name = it.next().unwrap_or_else(|| {
                    error(
                        &mut out,
                        tok.pos,
                        "unexpected `{` with no directive before it".into(),
                    );
                    Word {
                        text: Text::default(),
                        span: span(tok.pos, tok.pos),
                        quoted: false,
                    }
                });
                let mut d = Directive {
                    span: span(name.span.start, tok.end_pos),
                    name,
                    args: it.collect(),
                    block: None,
                    lua: false,
                };
                if d.name.text.ends_with("_by_lua_block") {
                    match lexer.skip_lua_block() {
                        Some(end) => {
                            d.span.end = end;
                            d.block = Some(Vec::new());
                            d.lua = true;
                            last_pos = end;
                            if let Some(top) = stack.last_mut() {
                                top.directives.push(d);
                            }
                        }
                        None => {
                            error(
                                &mut out,
                                tok.pos,
                                format!("Lua block of `{}` is never closed", d.name.text),
                            );
                            break;
                        }
                    }
                    continue;
                }
                if stack.len() > MAX_DEPTH {
                    error(
                        &mut out,
                        tok.pos,
                        format!(
                            "blocks nested deeper than {MAX_DEPTH} levels; the rest of the file was not read"
                        ),
                    );
                    break;
                }
                stack.push(Frame {
                    directives: Vec::new(),
                    opener: Some(d),
                });
            }
            TokenKind::Close => {
                if let Some(first) = words.first() {
                    error(
                        &mut out,
                        tok.pos,
                        format!(
                            "unexpected `}}`: directive `{}` (line {}) is missing its `;`",
                            first.text, first.span.start.line
                        ),
                    );
                    words.clear();
                }
                if stack.len() <= 1 {
                    error(
                        &mut out,
                        tok.pos,
                        "unexpected `}` with no block open".into(),
                    );
                    continue;
                }
                close_frame(&mut stack, tok.end_pos);
            }
        }
    }
    // nginx reports an unexpected end of file where the file ends.
    let eof = lexer.pos();
    if let Some(first) = words.first() {
        error(
            &mut out,
            eof,
            format!(
                "unexpected end of file: directive `{}` (line {}) is missing its `;`",
                first.text, first.span.start.line
            ),
        );
    }
    if stack.len() > 1
        && let Some(opener) = stack.last().and_then(|f| f.opener.as_ref())
    {
        error(
            &mut out,
            eof,
            format!(
                "unexpected end of file: the `{}` block opened at line {} is never closed with `}}`",
                opener.name.text, opener.name.span.start.line
            ),
        );
    }
    while stack.len() > 1 {
        close_frame(&mut stack, last_pos);
    }
    out.directives = stack.pop().map(|f| f.directives).unwrap_or_default();
    out
}

fn error(out: &mut NginxFile, pos: Pos, message: String) {
    if out.error.is_none() {
        out.error = Some(SyntaxError { pos, message });
    }
}

fn close_frame(stack: &mut Vec<Frame>, end: Pos) {
    let Some(frame) = stack.pop() else { return };
    if let Some(mut d) = frame.opener {
        d.block = Some(frame.directives);
        d.span.end = end;
        if let Some(parent) = stack.last_mut() {
            parent.directives.push(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> NginxFile {
        parse(text, FileId(0))
    }

    fn names(ds: &[Directive]) -> Vec<&str> {
        ds.iter().map(|d| d.name.text.as_str()).collect()
    }

    #[test]
    fn blocks_nested_to_the_limit_parse_and_one_more_is_an_error() {
        let nested = |n: usize| format!("{}{}", "a {\n".repeat(n), "}\n".repeat(n));
        let f = p(&nested(MAX_DEPTH));
        assert!(f.error.is_none(), "{:?}", f.error);
        // At the block that is one too deep; 10,000 levels stop at the same place.
        for n in [MAX_DEPTH + 1, 10_000] {
            let f = p(&nested(n));
            let e = f.error.expect("too deep");
            assert_eq!(e.pos.line, MAX_DEPTH as u32 + 1);
        }
    }

    #[test]
    fn words_quotes_and_blocks_with_positions() {
        let f = p("http {\n  proxy_set_header Connection \"\";\n  # note\n}\n");
        assert!(f.error.is_none());
        let http = f.directives.first().unwrap();
        let d = http.children().first().unwrap();
        assert_eq!(d.name.text, "proxy_set_header");
        assert_eq!(d.name.span.start, Pos::new(2, 3));
        let empty = d.args.get(1).unwrap();
        assert_eq!((empty.text.as_str(), empty.quoted), ("", true));
        assert_eq!(empty.span.start, Pos::new(2, 31));
        assert_eq!(f.comments.first().unwrap().text, " note");
        assert_eq!(http.span.end, Pos::new(4, 2));
    }

    #[test]
    fn escapes_variables_and_special_characters_in_words() {
        let f = p(
            "log_format x '$a \\' b';\nset $v \"a\\\"b\";\nreturn 200 ${host}x;\nrewrite ^/(.*)$ /$1\\; last;\nlocation ~ \\.(js|css)$ { }\n",
        );
        assert!(f.error.is_none(), "{:?}", f.error);
        let args = |i: usize| -> Vec<String> {
            f.directives
                .get(i)
                .unwrap()
                .args
                .iter()
                .map(|w| w.text.to_string())
                .collect()
        };
        assert_eq!(args(0), ["x", "$a ' b"]);
        assert_eq!(args(1), ["$v", "a\"b"]);
        assert_eq!(args(2), ["200", "${host}x"]);
        assert_eq!(args(3), ["^/(.*)$", "/$1\\;", "last"]);
        assert_eq!(args(4), ["~", "\\.(js|css)$"]);
    }

    #[test]
    fn lua_blocks_are_opaque() {
        let f = p(
            "content_by_lua_block {\n  local s = \"}\" -- }\n  local t = [[ } ]]\n  if x then y = { 1 } end\n}\nworker_processes 1;\n",
        );
        assert!(f.error.is_none(), "{:?}", f.error);
        assert_eq!(
            names(&f.directives),
            ["content_by_lua_block", "worker_processes"]
        );
        assert!(f.directives.first().unwrap().lua);
    }

    #[test]
    fn crlf_and_bom() {
        let f = p("\u{feff}events {\r\n}\r\nhttp {}\r\n");
        assert!(f.error.is_none());
        assert_eq!(
            f.directives.first().unwrap().name.span.start,
            Pos::new(1, 1)
        );
        assert_eq!(f.directives.get(1).unwrap().name.span.start, Pos::new(3, 1));
    }

    #[test]
    fn syntax_errors_are_located() {
        let missing = p("http {\n  server {\n    listen 80\n  }\n}\n");
        let e = missing.error.unwrap();
        assert_eq!(e.pos, Pos::new(4, 3));
        assert!(e.message.contains("`listen` (line 3)"), "{}", e.message);
        let extra = p("events {}\n}\n");
        assert_eq!(extra.error.unwrap().pos, Pos::new(2, 1));
        let open = p("http {\n  server {\n");
        let e = open.error.unwrap();
        assert!(
            e.message.contains("`server` block opened at line 2"),
            "{}",
            e.message
        );
        let quote = p("a \"b;\nc d;\n");
        assert_eq!(quote.error.unwrap().pos, Pos::new(1, 3));
        let glued = p("\"left\"-quote;\n");
        assert_eq!(glued.error.unwrap().pos, Pos::new(1, 7));
        let eof = p("worker_processes 1");
        assert!(eof.error.unwrap().message.contains("missing its `;`"));
        let lua = p("content_by_lua_block { x = 1\n");
        assert!(lua.error.is_some());
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let text = "a {".repeat(10_000) + &"}".repeat(10_000);
        let f = p(&text);
        assert!(f.error.unwrap().message.contains("nested deeper"));
    }

    #[test]
    fn many_directives_and_binary_noise() {
        let text = "keepalive_timeout 5;\n".repeat(100_000);
        let f = p(&text);
        assert_eq!(f.directives.len(), 100_000);
        let noise = p("\u{1}\u{2}{;}\u{7f}\"");
        assert!(noise.error.is_some());
    }
}

/// Tokenizer throughput on the synthetic corpus's nginx files, for
/// BENCHMARKS.md: `cargo test --release --lib -- --ignored --nocapture
/// nginx_tokenizer_throughput` (`SCALELINT_NGINX_CORPUS` names another
/// directory). Prints MB/s of one thread; asserts nothing about time.
#[cfg(test)]
mod throughput {
    use super::*;

    #[test]
    #[ignore = "a measurement, run by hand in release mode"]
    fn nginx_tokenizer_throughput() {
        let dir = std::env::var("SCALELINT_NGINX_CORPUS")
            .unwrap_or_else(|_| "/tmp/scalelint-bench/s1000/nginx".into());
        let mut texts = Vec::new();
        let mut stack = vec![std::path::PathBuf::from(&dir)];
        while let Some(d) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&d) else {
                continue;
            };
            for e in entries.flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else if let Ok(t) = std::fs::read_to_string(&p) {
                    texts.push(t);
                }
            }
        }
        if texts.is_empty() {
            println!("skipped: no nginx files under {dir}");
            return;
        }
        let bytes: usize = texts.iter().map(String::len).sum();
        let measure = |what: &str, f: &dyn Fn(&str) -> usize| {
            let mut rounds = 0u32;
            let mut sink = 0usize;
            let started = std::time::Instant::now();
            while started.elapsed() < std::time::Duration::from_secs(2) {
                for t in &texts {
                    sink = sink.wrapping_add(f(t));
                }
                rounds += 1;
            }
            let secs = started.elapsed().as_secs_f64();
            let mb = bytes as f64 * f64::from(rounds) / 1e6;
            println!(
                "{what}: {:.0} MB/s ({} files, {bytes} bytes, {rounds} rounds, {sink} tokens/nodes)",
                mb / secs,
                texts.len()
            );
        };
        measure("tokenize", &|t| {
            let mut lexer = Lexer::new(t);
            let mut n = 0;
            while lexer.next_token().is_some() {
                n += 1;
            }
            n
        });
        measure("parse", &|t| parse(t, FileId(0)).directives.len());
    }
}
