//! Lexing and parsing of PDF values (numbers, strings, names, arrays, dictionaries,
//! references), bounded in depth and in the number of values.

use super::{Dict, Obj, MAX_DEPTH};

/// Total parsed values (numbers, names, array items...) in the whole file. Page contents,
/// fonts and images are streams, not parsed, so real files stay far below this; it bounds
/// the memory a hostile file of tiny objects (`[0 0 0 ...]`) can make us allocate.
pub(super) const MAX_NODES: usize = 1_000_000;

pub(super) fn is_white(b: u8) -> bool {
    matches!(b, 0 | 9 | 10 | 12 | 13 | 32)
}

fn is_delim(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

pub(super) fn is_regular(b: u8) -> bool {
    !is_white(b) && !is_delim(b)
}

pub(super) struct Parser<'a> {
    data: &'a [u8],
    pub(super) pos: usize,
    /// Values this parser may still produce (see `MAX_NODES`).
    pub(super) nodes_left: usize,
}

pub(super) type PResult<T> = Result<T, ()>;

impl<'a> Parser<'a> {
    pub(super) fn new(data: &'a [u8], pos: usize) -> Self {
        Parser {
            data,
            pos,
            nodes_left: MAX_NODES,
        }
    }

    pub(super) fn with_budget(data: &'a [u8], pos: usize, nodes_left: usize) -> Self {
        Parser {
            data,
            pos,
            nodes_left,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }

    pub(super) fn skip_ws(&mut self) {
        while let Some(b) = self.peek() {
            if is_white(b) {
                self.pos += 1;
            } else if b == b'%' {
                while let Some(c) = self.peek() {
                    if c == b'\r' || c == b'\n' {
                        break;
                    }
                    self.pos += 1;
                }
            } else {
                break;
            }
        }
    }

    pub(super) fn starts_with(&self, s: &[u8]) -> bool {
        self.data.get(self.pos..).is_some_and(|d| d.starts_with(s))
    }

    /// A keyword token (`obj`, `stream`, `R`...) at the current position, not consumed.
    pub(super) fn at_keyword(&self, kw: &[u8]) -> bool {
        self.starts_with(kw)
            && self
                .data
                .get(self.pos + kw.len())
                .is_none_or(|&b| !is_regular(b))
    }

    fn regular_token(&mut self) -> &'a [u8] {
        let start = self.pos;
        while self.peek().is_some_and(is_regular) {
            self.pos += 1;
        }
        self.data.get(start..self.pos).unwrap_or(&[])
    }

    pub(super) fn parse(&mut self, depth: usize) -> PResult<Obj> {
        if depth > MAX_DEPTH {
            return Err(());
        }
        self.nodes_left = self.nodes_left.checked_sub(1).ok_or(())?;
        self.skip_ws();
        match self.peek().ok_or(())? {
            b'/' => {
                self.pos += 1;
                Ok(Obj::Name(self.name()))
            }
            b'(' => {
                self.pos += 1;
                self.literal_string().map(Obj::Str)
            }
            b'<' => {
                if self.starts_with(b"<<") {
                    self.pos += 2;
                    self.dict(depth).map(Obj::Dict)
                } else {
                    self.pos += 1;
                    self.hex_string().map(Obj::Str)
                }
            }
            b'[' => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_ws();
                    match self.peek() {
                        Some(b']') => {
                            self.pos += 1;
                            return Ok(Obj::Array(items));
                        }
                        Some(_) => items.push(self.parse(depth + 1)?),
                        None => return Err(()),
                    }
                }
            }
            b'0'..=b'9' | b'+' | b'-' | b'.' => self.number_or_ref(),
            _ => {
                let tok = self.regular_token();
                match tok {
                    b"true" => Ok(Obj::Bool(true)),
                    b"false" => Ok(Obj::Bool(false)),
                    b"null" => Ok(Obj::Null),
                    _ => Err(()),
                }
            }
        }
    }

    fn dict(&mut self, depth: usize) -> PResult<Dict> {
        let mut dict = Dict::new();
        loop {
            self.skip_ws();
            if self.starts_with(b">>") {
                self.pos += 2;
                return Ok(dict);
            }
            if self.peek() != Some(b'/') {
                return Err(());
            }
            self.pos += 1;
            let key = self.name();
            let value = self.parse(depth + 1)?;
            dict.push((key, value));
        }
    }

    fn name(&mut self) -> Vec<u8> {
        let raw = self.regular_token();
        let mut out = Vec::with_capacity(raw.len());
        let mut i = 0;
        while let Some(&b) = raw.get(i) {
            if b == b'#' {
                let hex = raw.get(i + 1..i + 3).and_then(|h| {
                    let s = std::str::from_utf8(h).ok()?;
                    u8::from_str_radix(s, 16).ok()
                });
                if let Some(v) = hex {
                    out.push(v);
                    i += 3;
                    continue;
                }
            }
            out.push(b);
            i += 1;
        }
        out
    }

    fn literal_string(&mut self) -> PResult<Vec<u8>> {
        let mut out = Vec::new();
        let mut nesting = 0usize;
        loop {
            let b = self.peek().ok_or(())?;
            self.pos += 1;
            match b {
                b'(' => {
                    nesting += 1;
                    out.push(b);
                }
                b')' => {
                    if nesting == 0 {
                        return Ok(out);
                    }
                    nesting -= 1;
                    out.push(b);
                }
                b'\\' => {
                    let e = self.peek().ok_or(())?;
                    self.pos += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'0'..=b'7' => {
                            let mut v = u32::from(e - b'0');
                            for _ in 0..2 {
                                match self.peek() {
                                    Some(d @ b'0'..=b'7') => {
                                        v = v * 8 + u32::from(d - b'0');
                                        self.pos += 1;
                                    }
                                    _ => break,
                                }
                            }
                            out.push((v & 0xff) as u8);
                        }
                        b'\r' => {
                            if self.peek() == Some(b'\n') {
                                self.pos += 1;
                            }
                        }
                        b'\n' => {}
                        other => out.push(other),
                    }
                }
                other => out.push(other),
            }
        }
    }

    fn hex_string(&mut self) -> PResult<Vec<u8>> {
        let mut out = Vec::new();
        let mut high: Option<u8> = None;
        loop {
            let b = self.peek().ok_or(())?;
            self.pos += 1;
            let v = match b {
                b'>' => break,
                b'0'..=b'9' => b - b'0',
                b'a'..=b'f' => b - b'a' + 10,
                b'A'..=b'F' => b - b'A' + 10,
                _ if is_white(b) => continue,
                _ => return Err(()),
            };
            match high.take() {
                Some(h) => out.push(h << 4 | v),
                None => high = Some(v),
            }
        }
        if let Some(h) = high {
            out.push(h << 4);
        }
        Ok(out)
    }

    fn number_or_ref(&mut self) -> PResult<Obj> {
        let first = self.number()?;
        if let Obj::Int(num) = first {
            // `num gen R`?
            let save = self.pos;
            self.skip_ws();
            if self.peek().is_some_and(|b| b.is_ascii_digit()) {
                if let Ok(Obj::Int(gen)) = self.number() {
                    self.skip_ws();
                    if self.at_keyword(b"R") {
                        self.pos += 1;
                        return match (u32::try_from(num), u16::try_from(gen)) {
                            (Ok(n), Ok(g)) => Ok(Obj::Ref(n, g)),
                            _ => Ok(Obj::Null),
                        };
                    }
                }
            }
            self.pos = save;
        }
        Ok(first)
    }

    /// A number. Lenient like viewers: junk such as `0.5-3` keeps its valid prefix.
    pub(super) fn number(&mut self) -> PResult<Obj> {
        let tok = self.regular_token();
        if tok.is_empty() {
            return Err(());
        }
        let mut i = 0;
        let mut text = Vec::new();
        if let Some(&s) = tok.first() {
            if s == b'+' || s == b'-' {
                if s == b'-' {
                    text.push(b'-');
                }
                i = 1;
            }
        }
        let mut digits = 0;
        let mut dot = false;
        while let Some(&b) = tok.get(i) {
            if b.is_ascii_digit() {
                digits += 1;
                text.push(b);
            } else if b == b'.' && !dot {
                dot = true;
                text.push(b);
            } else {
                break;
            }
            i += 1;
        }
        if tok[i..]
            .iter()
            .any(|b| !matches!(b, b'0'..=b'9' | b'.' | b'-' | b'+'))
        {
            return Err(());
        }
        if digits == 0 {
            return Ok(Obj::Int(0));
        }
        if !dot && digits <= 18 {
            let s = std::str::from_utf8(&text).map_err(|_| ())?;
            return s.parse::<i64>().map(Obj::Int).map_err(|_| ());
        }
        if text.first() == Some(&b'.') || text.starts_with(b"-.") {
            let at = usize::from(text.first() == Some(&b'-'));
            text.insert(at, b'0');
        }
        if text.last() == Some(&b'.') {
            text.push(b'0');
        }
        Ok(Obj::Real(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &[u8]) -> Obj {
        Parser::new(s, 0).parse(0).unwrap()
    }

    #[test]
    fn strings_numbers_and_references() {
        assert_eq!(parse(b"(a\\(b\\)c (d))"), Obj::Str(b"a(b)c (d)".to_vec()));
        assert_eq!(parse(b"(\\101\\n)"), Obj::Str(b"A\n".to_vec()));
        assert_eq!(parse(b"<41 42 4>"), Obj::Str(b"AB@".to_vec()));
        assert_eq!(parse(b"-.5"), Obj::Real(b"-0.5".to_vec()));
        assert_eq!(parse(b"12 0 R"), Obj::Ref(12, 0));
        assert_eq!(
            parse(b"[1 2 3]"),
            Obj::Array(vec![Obj::Int(1), Obj::Int(2), Obj::Int(3)])
        );
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let mut s = vec![b'['; 100_000];
        s.extend(vec![b']'; 100_000]);
        assert!(Parser::new(&s, 0).parse(0).is_err());
    }
}
