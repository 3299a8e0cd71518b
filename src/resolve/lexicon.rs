//! The domain vocabulary (`lexicon.txt`), parsed once per process.

use std::collections::{HashMap as StdMap, HashSet as StdSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::OnceLock;

use crate::catalog::Method;

pub struct Lexicon {
    /// Multi-word phrases (as word lists), longest first, with their replacement words.
    pub phrases: Vec<(Vec<String>, Vec<String>)>,
    pub synonyms: HashMap<String, Vec<String>>,
    pub methods: HashMap<String, Vec<(Method, f32)>>,
    /// ID prefixes (`user_`, `role_set:`), longest first, with their entity kind.
    pub ids: Vec<(String, String)>,
    /// Parameter name -> accepted entity kinds.
    pub params: HashMap<String, Vec<String>>,
    pub stop: HashSet<String>,
    pub weak: HashSet<String>,
    pub count: HashSet<String>,
    pub many: HashSet<String>,
}

/// FNV-1a: the resolver hashes short words on its hot path, where SipHash's
/// DoS resistance buys nothing (the keys are our own vocabulary and one prompt).
#[derive(Default, Clone, Copy)]
pub struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

pub type HashMap<K, V> = StdMap<K, V, BuildHasherDefault<Fnv>>;
pub type HashSet<K> = StdSet<K, BuildHasherDefault<Fnv>>;

const TEXT: &str = include_str!("lexicon.txt");

pub fn get() -> &'static Lexicon {
    static LEX: OnceLock<Lexicon> = OnceLock::new();
    LEX.get_or_init(|| parse(TEXT))
}

fn words(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_string).collect()
}

fn parse(text: &str) -> Lexicon {
    let mut lex = Lexicon {
        phrases: Vec::new(),
        synonyms: HashMap::default(),
        methods: HashMap::default(),
        ids: Vec::new(),
        params: HashMap::default(),
        stop: HashSet::default(),
        weak: HashSet::default(),
        count: HashSet::default(),
        many: HashSet::default(),
    };
    let mut section = "";
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = match name {
                "phrases" => "phrases",
                "synonyms" => "synonyms",
                "methods" => "methods",
                "ids" => "ids",
                "params" => "params",
                "stop" => "stop",
                "weak" => "weak",
                "count" => "count",
                "many" => "many",
                _ => "",
            };
            continue;
        }
        let (left, right) = match line.split_once(" = ") {
            Some((l, r)) => (l.trim(), r.trim()),
            None => (line, ""),
        };
        match section {
            "phrases" => lex.phrases.push((words(left), words(right))),
            "synonyms" => lex
                .synonyms
                .entry(left.to_string())
                .or_default()
                .extend(words(right)),
            "methods" => {
                let list = words(right)
                    .iter()
                    .filter_map(|m| {
                        let (name, strength) = m.split_once(':').unwrap_or((m, "1"));
                        Some((Method::parse(name)?, strength.parse().unwrap_or(1.0)))
                    })
                    .collect();
                lex.methods.insert(left.to_string(), list);
            }
            "ids" => lex.ids.push((left.to_string(), right.to_string())),
            "params" => {
                lex.params.insert(left.to_string(), words(right));
            }
            "stop" => lex.stop.extend(words(left)),
            "weak" => lex.weak.extend(words(left)),
            "count" => lex.count.extend(words(left)),
            "many" => lex.many.extend(words(left)),
            _ => {}
        }
    }
    lex.phrases.sort_by_key(|(p, _)| std::cmp::Reverse(p.len()));
    lex.ids.sort_by_key(|(p, _)| std::cmp::Reverse(p.len()));
    lex
}

impl Lexicon {
    /// The entity kind of a Clerk ID (`user_2ab` -> `user`), if the token is one.
    pub fn id_kind(&self, token: &str) -> Option<&str> {
        for (prefix, kind) in &self.ids {
            if let Some(rest) = token.strip_prefix(prefix.as_str()) {
                let ok = !rest.is_empty()
                    && rest != "id"
                    && rest != "ids"
                    && rest
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == ':');
                if ok {
                    return Some(kind);
                }
            }
        }
        None
    }

    /// Entity kinds a parameter accepts: from the table, else derived from its
    /// name (`foo_bar_id` -> `foo_bar`, `bar`). Allocation-free: it runs per
    /// parameter and token on the resolver's hot path.
    pub fn param_kinds<'a>(&'a self, name: &'a str) -> Kinds<'a> {
        if let Some(k) = self.params.get(name) {
            return Kinds {
                table: k,
                derived: [None, None],
            };
        }
        // `user_ids` (bulk bodies) -> user; `to_machine_id` -> to_machine, machine.
        match name
            .strip_suffix("_id")
            .or_else(|| name.strip_suffix("_ids"))
        {
            Some(stem) => Kinds {
                table: &[],
                derived: [Some(stem), stem.rsplit_once('_').map(|(_, t)| t)],
            },
            None => Kinds {
                table: &[],
                derived: [None, None],
            },
        }
    }
}

/// The entity kinds one parameter accepts.
#[derive(Clone, Copy)]
pub struct Kinds<'a> {
    table: &'a [String],
    derived: [Option<&'a str>; 2],
}

impl<'a> Kinds<'a> {
    pub fn iter(self) -> impl Iterator<Item = &'a str> {
        self.table
            .iter()
            .map(String::as_str)
            .chain(self.derived.into_iter().flatten())
    }
    pub fn contains(self, kind: &str) -> bool {
        self.iter().any(|k| k == kind)
    }
    pub fn is_empty(self) -> bool {
        self.iter().next().is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sections() {
        let l = get();
        assert_eq!(l.id_kind("user_2abc"), Some("user"));
        assert_eq!(l.id_kind("orginv_2x"), Some("organization_invitation"));
        assert_eq!(l.id_kind("role_set:default"), Some("role_set"));
        assert_eq!(l.id_kind("user_id"), None);
        assert_eq!(l.id_kind("john_doe"), None);
        assert!(l.stop.contains("the"));
        assert!(l.methods["ban"].iter().any(|(m, _)| *m == Method::Post));
        assert!(l.phrases.iter().any(|(p, _)| p == &["how", "many"]));
        assert_eq!(
            l.param_kinds("user_id").iter().collect::<Vec<_>>(),
            vec!["user"]
        );
        assert_eq!(
            l.param_kinds("widget_id").iter().collect::<Vec<_>>(),
            vec!["widget"]
        );
        assert!(l.param_kinds("to_machine_id").contains("machine"));
        assert!(l.param_kinds("user_ids").contains("user"));
    }
}
