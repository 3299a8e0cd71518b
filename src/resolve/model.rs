//! The learned ranker: a log-linear model over the features of
//! [`super::features`], trained by `cargo xtask train` and embedded by build.rs.
//!
//! Scoring is table lookups and dot products. Each hashed text feature has a
//! short row of (class, weight) entries. An operation's score adds the rows'
//! weights for its own class and for its group classes (its method, resource,
//! tag and shape), then the structural features times their weights; a
//! softmax over the operations gives probabilities. The mode is a second
//! softmax over five classes of the same table, and the tag to browse a third,
//! over the tag group classes.
//!
//! The file is little-endian and read in place (no parsing beyond the header):
//!
//! ```text
//! "CLRKMDL3" families:u32 n_ops:u32 n_classes:u32 n_features:u32 n_entries:u32 scale:f32
//! op keys:      n_ops × (len:u16, "METHOD /path")
//! op classes:   n_ops × (n:u8, n × class:u16)
//! tags:         n_tags:u32, n_tags × (len:u16, name, class:u16)
//! theta:        2 × STRUCTURE × f32      structural weights: to run, to describe
//! calibration:  CALIBRATION × f32        see [`Calibration`]
//! hashes:       n_features × u32         sorted
//! idf:          n_features × f32         inverse document frequency
//! offsets:      (n_features + 1) × u32   into entries
//! entries:      n_entries × (gap:u8, weight:i8)      class = previous + gap; weight × scale
//! ```
//!
//! A row's entries are sorted by class and each stores the gap from the one
//! before (from 0 for the first); a gap over 255 is bridged by `(255, 0)`
//! entries, which add nothing. Two bytes an entry instead of three took
//! 1.3 MB off the binary.

use super::features::STRUCTURE;

/// Structural weights: one set for prompts that run a call, one for prompts that
/// ask about it ("what does GET /users/{user_id} return" names no ID).
pub const THETA: usize = 2 * STRUCTURE;

/// The modes the model decides between, in class order after the operations' groups.
pub const MODES: [&str; 6] = ["help", "tags", "tag", "detail", "execute", "none"];
/// Indexes into [`MODES`] (the trainer and the resolver use these names).
pub const HELP: usize = 0;
pub const TAGS: usize = 1;
pub const TAG: usize = 2;
pub const DETAIL: usize = 3;
pub const EXECUTE: usize = 4;
/// Nothing of the API's ("make me a sandwich", `git status`): no match.
pub const NONE: usize = 5;

/// Number of calibration numbers stored.
pub const CALIBRATION: usize = 4;

/// When an answer is high confidence: its probability, its lead over the second,
/// and the mode's probability all reach these.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Calibration {
    /// Minimum probability of the first operation.
    pub p_top: f32,
    /// Minimum probability of the chosen mode.
    pub p_mode: f32,
    /// Softmax temperature the probabilities are divided by (1 = none).
    pub temperature: f32,
    /// Minimum probability for a prompt to count as matching anything at all.
    pub p_none: f32,
}

/// A model, read in place from its bytes.
pub struct Model {
    bytes: &'static [u8],
    pub families: u32,
    n_ops: usize,
    n_classes: usize,
    n_features: usize,
    scale: f32,
    /// Where the op keys start: read on demand (`key`), not at every start.
    keys: usize,
    classes: Vec<&'static [u8]>,
    /// Tag names with their class.
    tags: Vec<(&'static str, usize)>,
    theta: [f32; THETA],
    pub calibration: Calibration,
    hashes: usize,
    idf: usize,
    offsets: usize,
    entries: usize,
}

/// Reads little-endian numbers from a byte slice, advancing.
struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.b.get(self.at..self.at + n)?;
        self.at += n;
        Some(s)
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    fn f32(&mut self) -> Option<f32> {
        Some(f32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_le_bytes(self.take(2)?.try_into().ok()?))
    }
}

/// The format's tag; build.rs checks the same bytes. Bump it when the layout changes.
const MAGIC: &[u8; 8] = b"CLRKMDL3";
/// Bytes per (gap, weight) entry.
const ENTRY: usize = 2;
/// The largest quantised weight.
pub const QMAX: f32 = 127.0;

impl Model {
    /// Reads a model; `None` when the bytes are not one (the resolver then ranks nothing).
    pub fn read(bytes: &'static [u8]) -> Option<Model> {
        let mut r = Reader { b: bytes, at: 0 };
        if r.take(8)? != MAGIC {
            return None;
        }
        let families = r.u32()?;
        let n_ops = r.u32()? as usize;
        let n_classes = r.u32()? as usize;
        let n_features = r.u32()? as usize;
        let n_entries = r.u32()? as usize;
        let scale = r.f32()?;
        let keys = r.at;
        for _ in 0..n_ops {
            let n = r.u16()? as usize;
            r.take(n)?;
        }
        let mut classes = Vec::new();
        for _ in 0..n_ops {
            let n = r.take(1)?[0] as usize;
            classes.push(r.take(2 * n)?);
        }
        let n_tags = r.u32()? as usize;
        let mut tags = Vec::new();
        for _ in 0..n_tags {
            let n = r.u16()? as usize;
            let name = std::str::from_utf8(r.take(n)?).ok()?;
            tags.push((name, r.u16()? as usize));
        }
        let mut theta = [0.0f32; THETA];
        for t in &mut theta {
            *t = r.f32()?;
        }
        let mut cal = [0.0f32; CALIBRATION];
        for c in &mut cal {
            *c = r.f32()?;
        }
        let hashes = r.at;
        r.take(4 * n_features)?;
        let idf = r.at;
        r.take(4 * n_features)?;
        let offsets = r.at;
        r.take(4 * (n_features + 1))?;
        let entries = r.at;
        r.take(ENTRY * n_entries)?;
        Some(Model {
            bytes,
            families,
            n_ops,
            n_classes,
            n_features,
            scale,
            keys,
            classes,
            tags,
            theta,
            calibration: Calibration {
                p_top: cal[0],
                p_mode: cal[1],
                temperature: if cal[2] > 0.0 { cal[2] } else { 1.0 },
                p_none: cal[3],
            },
            hashes,
            idf,
            offsets,
            entries,
        })
    }

    /// Number of operations the model ranks.
    pub fn ops(&self) -> usize {
        self.n_ops
    }

    /// `METHOD /path` of model operation `i` (as labelled in the corpus).
    /// Walks the keys (rarely needed: an operation absent from the version, `--explain`).
    pub fn key(&self, i: usize) -> &'static str {
        let mut r = Reader {
            b: self.bytes,
            at: self.keys,
        };
        let mut key = None;
        for _ in 0..=i.min(self.n_ops.saturating_sub(1)) {
            let n = r.u16().unwrap_or(0) as usize;
            key = r.take(n);
        }
        key.and_then(|k| std::str::from_utf8(k).ok()).unwrap_or("")
    }

    /// The class ids of operation `i`: its own, then its groups'.
    pub fn op_classes(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        self.classes[i]
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]) as usize)
    }

    /// The class id of mode `m` (index into [`MODES`]).
    pub fn mode_class(&self, m: usize) -> usize {
        self.n_classes - MODES.len() + m
    }

    /// The structural weights.
    pub fn theta(&self) -> &[f32; THETA] {
        &self.theta
    }

    fn u32_at(&self, base: usize, i: usize) -> u32 {
        let at = base + 4 * i;
        u32::from_le_bytes(self.bytes[at..at + 4].try_into().unwrap())
    }

    /// The vocabulary row of a hashed feature.
    fn find(&self, hash: u32) -> Option<usize> {
        let (mut lo, mut hi) = (0, self.n_features);
        while lo < hi {
            let mid = (lo + hi) / 2;
            match self.u32_at(self.hashes, mid).cmp(&hash) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some(mid),
            }
        }
        None
    }

    fn idf(&self, row: usize) -> f32 {
        f32::from_bits(self.u32_at(self.idf, row))
    }

    /// The (class, weight) entries of a vocabulary row.
    fn entries(&self, row: usize) -> impl Iterator<Item = (usize, f32)> + '_ {
        let a = self.u32_at(self.offsets, row) as usize;
        let b = self.u32_at(self.offsets, row + 1) as usize;
        let scale = self.scale;
        let mut class = 0usize;
        self.bytes[self.entries + ENTRY * a..self.entries + ENTRY * b]
            .chunks_exact(ENTRY)
            .map(move |e| {
                class += usize::from(e[0]);
                (class, f32::from(e[1] as i8) * scale)
            })
    }

    /// The model's rows for one group of a prompt's features, each weighted by
    /// idf and the group L2-normalised over the features the model knows.
    fn weighted_rows(&self, group: &[u32]) -> Vec<(usize, f32)> {
        let rows: Vec<(usize, f32)> = group
            .iter()
            .filter_map(|&h| self.find(h))
            .map(|r| (r, self.idf(r)))
            .collect();
        normalised(rows)
    }

    /// Class scores of a prompt: each group of features (words, n-grams)
    /// weighted by idf and L2-normalised over the features the model knows.
    pub fn class_scores(&self, p: &super::features::Prompt) -> Vec<f32> {
        let mut out = vec![0.0f32; self.n_classes];
        for group in [&p.text, &p.grams] {
            for (r, x) in self.weighted_rows(group) {
                for (c, w) in self.entries(r) {
                    if let Some(o) = out.get_mut(c) {
                        *o += w * x;
                    }
                }
            }
        }
        out
    }
}

/// Divides each value by the group's L2 norm.
pub fn normalised(mut rows: Vec<(usize, f32)>) -> Vec<(usize, f32)> {
    let norm = rows.iter().map(|(_, x)| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        for (_, x) in &mut rows {
            *x /= norm;
        }
    }
    rows
}

/// The quantisation step for weights whose largest magnitude is `max`.
pub fn quantum(max: f32) -> f32 {
    max.max(1e-6) / QMAX
}

/// One vocabulary row to write: (hash, idf, (class, weight) entries sorted by class).
pub type Row = (u32, f32, Vec<(u16, f32)>);

/// Serialises a model (used by `cargo xtask train`).
#[doc(hidden)]
pub struct Written<'a> {
    pub families: u32,
    pub keys: &'a [String],
    pub op_classes: &'a [Vec<u16>],
    /// Tag names and their classes.
    pub tags: &'a [(String, u16)],
    pub n_classes: usize,
    pub theta: &'a [f32; THETA],
    pub calibration: [f32; CALIBRATION],
    /// Sorted by hash.
    pub rows: &'a [Row],
}

impl Written<'_> {
    /// The bytes of the model file; weights must be multiples of `scale`
    /// within ±[`QMAX`] of it (see [`quantum`]).
    pub fn encode(&self, scale: f32) -> Vec<u8> {
        let entries: Vec<Vec<(u8, i8)>> = self
            .rows
            .iter()
            .map(|(_, _, r)| gap_coded(r, scale))
            .collect();
        let n_entries: usize = entries.iter().map(Vec::len).sum();
        let mut b = Vec::new();
        b.extend_from_slice(MAGIC);
        for v in [
            self.families,
            self.keys.len() as u32,
            self.n_classes as u32,
            self.rows.len() as u32,
            n_entries as u32,
        ] {
            b.extend_from_slice(&v.to_le_bytes());
        }
        b.extend_from_slice(&scale.to_le_bytes());
        for k in self.keys {
            b.extend_from_slice(&(k.len() as u16).to_le_bytes());
            b.extend_from_slice(k.as_bytes());
        }
        for c in self.op_classes {
            b.push(c.len() as u8);
            for id in c {
                b.extend_from_slice(&id.to_le_bytes());
            }
        }
        b.extend_from_slice(&(self.tags.len() as u32).to_le_bytes());
        for (name, class) in self.tags {
            b.extend_from_slice(&(name.len() as u16).to_le_bytes());
            b.extend_from_slice(name.as_bytes());
            b.extend_from_slice(&class.to_le_bytes());
        }
        for t in self.theta.iter().chain(&self.calibration) {
            b.extend_from_slice(&t.to_le_bytes());
        }
        for (h, _, _) in self.rows {
            b.extend_from_slice(&h.to_le_bytes());
        }
        for (_, idf, _) in self.rows {
            b.extend_from_slice(&idf.to_le_bytes());
        }
        let mut off = 0u32;
        b.extend_from_slice(&off.to_le_bytes());
        for r in &entries {
            off += r.len() as u32;
            b.extend_from_slice(&off.to_le_bytes());
        }
        for (gap, w) in entries.iter().flatten() {
            b.push(*gap);
            b.push(*w as u8);
        }
        b
    }
}

/// A row's (class, weight) entries as (gap, quantised weight), sorted by class,
/// with `(255, 0)` bridges for gaps over 255.
fn gap_coded(row: &[(u16, f32)], scale: f32) -> Vec<(u8, i8)> {
    let mut sorted = row.to_vec();
    sorted.sort_by_key(|&(c, _)| c);
    let mut out = Vec::with_capacity(sorted.len());
    let mut at = 0u16;
    for (c, w) in sorted {
        let mut gap = c - at;
        while gap > 255 {
            out.push((255, 0));
            gap -= 255;
        }
        out.push((gap as u8, (w / scale).round().clamp(-QMAX, QMAX) as i8));
        at = c;
    }
    out
}

/// The embedded model, read once per process; `None` if build.rs found none.
pub fn get() -> Option<&'static Model> {
    static MODEL: std::sync::OnceLock<Option<Model>> = std::sync::OnceLock::new();
    MODEL
        .get_or_init(|| Model::read(crate::catalog::MODEL))
        .as_ref()
}

/// The model's answer for one prompt in one version.
pub struct Ranked {
    /// (operation index in the version, probability), best first; only
    /// operations of the version.
    pub ops: Vec<(usize, f32)>,
    /// Probability of each of [`MODES`].
    pub mode: [f32; MODES.len()],
    /// A model operation that would rank first but is absent from the version.
    pub absent_best: Option<&'static str>,
    /// Tags by probability (for browsing), best first.
    pub tags: Vec<(&'static str, f32)>,
}

impl Ranked {
    /// The most probable mode (index into [`MODES`]) and its probability.
    pub fn best_mode(&self) -> (usize, f32) {
        self.mode
            .iter()
            .copied()
            .enumerate()
            .fold(
                (MODES.len() - 1, f32::MIN),
                |a, b| if b.1 > a.1 { b } else { a },
            )
    }
}

/// Softmax in place, after dividing by `t`.
pub fn softmax(v: &mut [f32], t: f32) {
    let max = v.iter().copied().fold(f32::MIN, f32::max);
    let mut sum = 0.0;
    for x in v.iter_mut() {
        *x = ((*x - max) / t).exp();
        sum += *x;
    }
    for x in v.iter_mut() {
        *x /= sum.max(f32::MIN_POSITIVE);
    }
}

impl Model {
    /// Scores every operation of `version` the model knows, and the modes.
    /// `detail`: the prompt's syntax already says it describes (`... help`).
    pub fn rank(
        &self,
        prompt: &super::features::Prompt,
        version: &'static crate::catalog::Version,
        detail: bool,
    ) -> Ranked {
        use super::features::{self, family};
        let cls = self.class_scores(prompt);
        let mut mode = [0.0f32; MODES.len()];
        for (m, v) in mode.iter_mut().enumerate() {
            *v = cls[self.mode_class(m)];
        }
        softmax(&mut mode, 1.0);
        let p_detail = if detail { 1.0 } else { mode[DETAIL] };
        let bm25 = if self.families & family::BM25 != 0 {
            bm25(prompt, version)
        } else {
            Vec::new()
        };
        let facts = features::facts_of(version);
        let mut logits = Vec::with_capacity(self.n_ops);
        let (mut best_text, mut best_absent) = (f32::MIN, None::<(f32, usize)>);
        for i in 0..self.n_ops {
            let text: f32 = self.op_classes(i).map(|c| cls[c]).sum();
            let Some(&j) = version.model_ops.get(i).filter(|&&j| j != u16::MAX) else {
                if best_absent.is_none_or(|(t, _)| text > t) {
                    best_absent = Some((text, i));
                }
                continue;
            };
            let j = j as usize;
            best_text = best_text.max(text);
            let s = features::structure(
                prompt,
                &facts[j],
                bm25.get(j).copied().unwrap_or(0.0),
                self.families,
            );
            let st = structure_score(&s, &self.theta, p_detail);
            logits.push((j, text + st));
        }
        let mut tags: Vec<f32> = self.tags.iter().map(|(_, c)| cls[*c]).collect();
        softmax(&mut tags, 1.0);
        let mut tags: Vec<(&'static str, f32)> =
            self.tags.iter().map(|(n, _)| *n).zip(tags).collect();
        most_probable_first(&mut tags);
        let mut probs: Vec<f32> = logits.iter().map(|(_, l)| *l).collect();
        softmax(&mut probs, self.calibration.temperature);
        let mut ops: Vec<(usize, f32)> = logits.iter().map(|(j, _)| *j).zip(probs).collect();
        most_probable_first(&mut ops);
        Ranked {
            ops,
            mode,
            absent_best: best_absent
                .filter(|(t, _)| *t > best_text)
                .map(|(_, i)| self.key(i)),
            tags,
        }
    }
}

/// Sorts by probability, highest first, ties in their order (as a stable
/// sort would). Probabilities are never negative, so their bits order them,
/// and one `u64` key per item sorts without a float comparison closure (this
/// took 31k instructions off a dry run).
fn most_probable_first<T: Copy>(items: &mut Vec<(T, f32)>) {
    debug_assert!(items.iter().all(|(_, p)| *p >= 0.0 || p.is_nan()));
    let mut keys: Vec<u64> = items
        .iter()
        .enumerate()
        .map(|(at, (_, p))| (u64::from(!p.to_bits()) << 32) | at as u64)
        .collect();
    keys.sort_unstable();
    let sorted = keys.iter().map(|k| items[(*k as u32) as usize]).collect();
    *items = sorted;
}

/// The structural part of an operation's logit: the two weight sets blended
/// by the probability that the prompt describes rather than runs.
pub fn structure_score(s: &[f32; STRUCTURE], theta: &[f32; THETA], p_detail: f32) -> f32 {
    let (run, describe) = theta.split_at(STRUCTURE);
    s.iter()
        .zip(run.iter().zip(describe))
        .map(|(x, (a, b))| x * ((1.0 - p_detail) * a + p_detail * b))
        .sum()
}

/// BM25 of the prompt's words for every operation of `version`, over the best.
pub fn bm25(
    prompt: &super::features::Prompt,
    version: &'static crate::catalog::Version,
) -> Vec<f32> {
    let index = crate::index::SearchIndex::get(version);
    let words: Vec<crate::index::QueryWord<'_>> = prompt
        .words
        .iter()
        .map(|w| crate::index::QueryWord {
            text: w,
            weight: 1.0,
        })
        .collect();
    let mut s = index.scores(&words);
    let max = s.iter().copied().fold(0.0f32, f32::max);
    if max > 0.0 {
        for x in &mut s {
            *x /= max;
        }
    }
    s
}

impl Model {
    /// The largest contributions of named features to operation `op` of
    /// `version` (text features and structure), for `--explain`.
    pub fn contributions(
        &self,
        p: &super::features::Prompt,
        names: &[(u32, String)],
        version: &'static crate::catalog::Version,
        op: usize,
    ) -> Vec<(String, f32)> {
        let Some(i) = version.model_ops.iter().position(|&j| j as usize == op) else {
            return Vec::new();
        };
        let classes: Vec<usize> = self.op_classes(i).collect();
        let mut out: Vec<(String, f32)> = Vec::new();
        for group in [&p.text, &p.grams] {
            for (r, x) in self.weighted_rows(group) {
                let w: f32 = self
                    .entries(r)
                    .filter(|(c, _)| classes.contains(c))
                    .map(|(_, w)| w * x)
                    .sum();
                let hash = self.u32_at(self.hashes, r);
                let name = names
                    .iter()
                    .find(|(h, _)| *h == hash)
                    .map_or("bias", |(_, n)| n.as_str());
                if w != 0.0 {
                    out.push((name.to_string(), w));
                }
            }
        }
        let facts = super::features::facts_of(version);
        let bm25 = if self.families & super::features::family::BM25 != 0 {
            bm25(p, version)[op]
        } else {
            0.0
        };
        let s = super::features::structure(p, &facts[op], bm25, self.families);
        for (k, x) in s.iter().enumerate().filter(|(_, x)| **x != 0.0) {
            out.push((
                format!("[{}]", super::features::STRUCTURE_NAMES[k]),
                x * self.theta[k],
            ));
        }
        out.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
        out.truncate(12);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_reads_back_in_order() {
        let m = get().expect("the embedded model reads");
        let keys: Vec<&str> = (0..m.ops()).map(|i| m.key(i)).collect();
        assert!(
            keys.iter().all(|k| k.split_once(" /").is_some()),
            "{keys:?}"
        );
        let distinct: std::collections::BTreeSet<_> = keys.iter().collect();
        assert_eq!(
            distinct.len(),
            keys.len(),
            "keys repeat: read at the wrong offset"
        );
        assert_eq!(
            m.key(m.ops() + 5),
            keys[keys.len() - 1],
            "past the end: the last key"
        );
    }

    #[test]
    fn most_probable_first_keeps_ties_in_order() {
        let mut v = vec![('a', 0.1), ('b', 0.5), ('c', 0.1), ('d', 0.0), ('e', 0.5)];
        most_probable_first(&mut v);
        let order: String = v.iter().map(|(c, _)| *c).collect();
        assert_eq!(order, "beacd");
    }
}
