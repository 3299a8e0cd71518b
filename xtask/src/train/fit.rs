//! The log-linear model and its fitting: AdaGrad on the cross-entropy of two
//! softmaxes (operations, modes) with L2, single-threaded and in a fixed
//! seeded order, so the same data gives the same bytes.

use std::collections::BTreeMap;

use clerk::resolve::features::STRUCTURE;
use clerk::resolve::model::{normalised, softmax, structure_score, MODES, THETA};

use super::data::{Featurized, Row, Target, Vocab};

/// Hyper-parameters.
#[derive(Clone, Copy, Debug)]
pub struct Params {
    pub epochs: usize,
    pub lr: f32,
    pub l2: f32,
    /// Weight of an operation row's own tag in the tag softmax (browse rows: 1).
    pub tag_of_op: f32,
    pub seed: u64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            epochs: 30,
            lr: 0.1,
            l2: 1e-6,
            tag_of_op: 0.2,
            seed: 13,
        }
    }
}

/// Class layout: operations, then their groups, then the modes.
pub struct Classes {
    pub n: usize,
    /// Per operation: its class ids (its own first).
    pub of_op: Vec<Vec<u16>>,
    /// Sets of classes that partition the operations (each operation is in
    /// exactly one class of a set), and the modes: adding a constant to a
    /// feature's weights over one such set changes no probability.
    pub partitions: Vec<Vec<usize>>,
    /// The tag classes (`t:` groups): name and class id.
    pub tags: Vec<(String, usize)>,
    /// Per operation: its (first) tag's index in `tags`.
    pub op_tag: Vec<Option<usize>>,
    /// Weight of each mode in the mode softmax: rare modes count more.
    pub mode_weight: [f32; MODES.len()],
}

impl Classes {
    pub fn new(ops: &super::data::Ops, groups: bool) -> Classes {
        let n_ops = ops.keys.len();
        let mut group_names: BTreeMap<String, ()> = BTreeMap::new();
        let per_op: Vec<Vec<String>> = (0..n_ops)
            .map(|i| {
                if groups {
                    group_keys(ops.op(i))
                } else {
                    Vec::new()
                }
            })
            .collect();
        for g in per_op.iter().flatten() {
            group_names.insert(g.clone(), ());
        }
        let index: BTreeMap<&String, usize> = group_names
            .keys()
            .enumerate()
            .map(|(i, k)| (k, n_ops + i))
            .collect();
        let of_op = per_op
            .iter()
            .enumerate()
            .map(|(i, gs)| {
                std::iter::once(i as u16)
                    .chain(gs.iter().map(|g| index[g] as u16))
                    .collect()
            })
            .collect();
        let n = n_ops + group_names.len() + MODES.len();
        let mut partitions: Vec<Vec<usize>> = vec![(0..n_ops).collect()];
        let mut by_family: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (g, &c) in &index {
            by_family.entry(&g[..2]).or_default().push(c);
        }
        partitions.extend(by_family.into_values());
        partitions.push((n - MODES.len()..n).collect());
        let tags: Vec<(String, usize)> = index
            .iter()
            .filter_map(|(g, &c)| g.strip_prefix("t:").map(|t| (t.to_string(), c)))
            .collect();
        let op_tag = (0..n_ops)
            .map(|i| {
                let t = ops.op(i).tags.first()?;
                tags.iter().position(|(n, _)| n == t)
            })
            .collect();
        Classes {
            n,
            of_op,
            partitions,
            tags,
            op_tag,
            mode_weight: [1.0; MODES.len()],
        }
    }

    pub fn mode(&self, m: usize) -> usize {
        self.n - MODES.len() + m
    }
}

/// The groups an operation shares weights with.
fn group_keys(op: &clerk::catalog::Operation) -> Vec<String> {
    let literal: Vec<&str> = op
        .path
        .split('/')
        .filter(|s| !s.is_empty() && !s.starts_with('{'))
        .collect();
    let last = literal.last().copied().unwrap_or("");
    let item = op.path.ends_with('}');
    let mut g = vec![
        format!("m:{}", op.method),
        format!("r:{last}"),
        format!(
            "s:{}:{}",
            op.method,
            if item { "item" } else { "collection" }
        ),
    ];
    if let Some(t) = op.tags.first() {
        g.push(format!("t:{t}"));
    }
    g.push(format!("p:{}", literal[..literal.len().min(2)].join("/")));
    g
}

/// Weights being fitted.
pub struct Model {
    /// Per vocabulary row: one weight per class.
    pub w: Vec<f32>,
    /// AdaGrad: the sum of squared gradients per weight.
    g: Vec<f32>,
    pub theta: [f32; THETA],
    gt: [f32; THETA],
    pub n_classes: usize,
    /// The quantisation step of `w`.
    pub scale: f32,
}

/// One example as the fitter sees it.
pub struct Example<'a> {
    /// (vocabulary row, value): idf, L2-normalised per feature group.
    pub rows: Vec<(usize, f32)>,
    pub row: &'a Row,
    pub index: usize,
}

pub fn examples<'a>(rows: &'a [Row], f: &Featurized, vocab: &Vocab) -> Vec<Example<'a>> {
    rows.iter()
        .enumerate()
        .map(|(i, r)| Example {
            rows: f.text[i]
                .iter()
                .flat_map(|group| {
                    normalised(group.iter().filter_map(|h| vocab.get(h).copied()).collect())
                })
                .collect(),
            row: r,
            index: i,
        })
        .collect()
}

/// xorshift64*: a tiny deterministic generator for the example order.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

impl Model {
    pub fn new(n_rows: usize, n_classes: usize) -> Model {
        Model {
            w: vec![0.0; n_rows * n_classes],
            g: vec![0.0; n_rows * n_classes],
            theta: [0.0; THETA],
            gt: [0.0; THETA],
            n_classes,
            scale: 1.0,
        }
    }

    /// Centres each feature's weights on every partition (no probability
    /// changes), then zeroes those below `min` in magnitude; returns how many
    /// weights are left.
    pub fn prune(&mut self, classes: &Classes, min: f32) -> usize {
        let c = self.n_classes;
        let mut kept = 0;
        for row in self.w.chunks_mut(c) {
            for part in &classes.partitions {
                let mut v: Vec<f32> = part.iter().map(|&k| row[k]).collect();
                v.sort_by(f32::total_cmp);
                let median = v[v.len() / 2];
                for &k in part {
                    row[k] -= median;
                }
            }
            for w in row.iter_mut() {
                if w.abs() < min {
                    *w = 0.0;
                } else {
                    kept += 1;
                }
            }
        }
        // Pruned weights stay at zero from here on (AdaGrad's step becomes 0).
        for (w, g) in self.w.iter().zip(self.g.iter_mut()) {
            if *w == 0.0 {
                *g = f32::INFINITY;
            }
        }
        kept
    }

    /// Rounds the weights to the file's 8-bit grid, so that what is evaluated
    /// is what is shipped.
    pub fn quantise(&mut self) {
        let max = self.w.iter().fold(0.0f32, |a, w| a.max(w.abs()));
        self.scale = clerk::resolve::model::quantum(max);
        for w in &mut self.w {
            *w = (*w / self.scale).round().clamp(-127.0, 127.0) * self.scale;
        }
    }

    /// Class scores of an example's text rows.
    pub fn class_scores(&self, rows: &[(usize, f32)]) -> Vec<f32> {
        let c = self.n_classes;
        let mut out = vec![0.0f32; c];
        for &(r, x) in rows {
            for (o, w) in out.iter_mut().zip(&self.w[r * c..(r + 1) * c]) {
                *o += w * x;
            }
        }
        out
    }

    /// Operation logits from class scores and structure.
    /// Operation logits from class scores and structure; `p_detail` blends
    /// the two structural weight sets.
    pub fn op_logits(
        &self,
        cls: &[f32],
        classes: &Classes,
        f: &Featurized,
        index: usize,
        p_detail: f32,
    ) -> Vec<f32> {
        (0..classes.of_op.len())
            .map(|o| {
                let text: f32 = classes.of_op[o].iter().map(|&c| cls[c as usize]).sum();
                let phi: &[f32; STRUCTURE] = f.phi(index, o).try_into().unwrap();
                text + structure_score(phi, &self.theta, p_detail)
            })
            .collect()
    }

    /// One pass over the examples in a seeded random order.
    fn epoch(
        &mut self,
        ex: &[&Example<'_>],
        classes: &Classes,
        f: &Featurized,
        p: &Params,
        rng: &mut Rng,
        lr: f32,
    ) {
        let mut order: Vec<usize> = (0..ex.len()).collect();
        for i in (1..order.len()).rev() {
            let j = (rng.next() % (i as u64 + 1)) as usize;
            order.swap(i, j);
        }
        for &i in &order {
            self.step(ex[i], classes, f, p, lr);
        }
    }

    fn step(&mut self, e: &Example<'_>, classes: &Classes, f: &Featurized, p: &Params, lr: f32) {
        let cls = self.class_scores(&e.rows);
        let mut grad = vec![0.0f32; self.n_classes];
        let mut gtheta = [0.0f32; THETA];
        let p_detail = if e.row.mode == super::data::DETAIL {
            1.0
        } else {
            0.0
        };
        let target: Option<(Vec<(usize, f32)>, f32)> = match &e.row.target {
            Target::None => None,
            Target::Op(o) => Some((vec![(*o, 1.0)], 1.0)),
        };
        if let Some((y, weight)) = target {
            let mut prob = self.op_logits(&cls, classes, f, e.index, p_detail);
            softmax(&mut prob, 1.0);
            for &(o, t) in &y {
                prob[o] -= t;
            }
            for (o, g) in prob.iter().enumerate() {
                let g = g * weight;
                for &c in &classes.of_op[o] {
                    grad[c as usize] += g;
                }
                for (k, x) in f.phi(e.index, o).iter().enumerate() {
                    gtheta[k] += (1.0 - p_detail) * g * x;
                    gtheta[STRUCTURE + k] += p_detail * g * x;
                }
            }
        }
        if e.row.syntax != clerk::resolve::Syntax::All {
            let mut q: Vec<f32> = (0..MODES.len()).map(|m| cls[classes.mode(m)]).collect();
            softmax(&mut q, 1.0);
            q[e.row.mode] -= 1.0;
            let weight = classes.mode_weight[e.row.mode];
            for (m, g) in q.iter().enumerate() {
                grad[classes.mode(m)] += weight * g;
            }
        }
        // The tag softmax: a browse row's tag, or an operation row's own tag.
        let tag = match (&e.row.tag, e.row.target.clone()) {
            (Some(t), _) => classes
                .tags
                .iter()
                .position(|(n, _)| n == t)
                .map(|i| (i, 1.0)),
            (None, Target::Op(o)) => classes.op_tag[o].map(|i| (i, p.tag_of_op)),
            _ => None,
        };
        if let Some((want, weight)) = tag {
            let mut q: Vec<f32> = classes.tags.iter().map(|(_, c)| cls[*c]).collect();
            softmax(&mut q, 1.0);
            q[want] -= 1.0;
            for ((_, c), g) in classes.tags.iter().zip(&q) {
                grad[*c] += weight * g;
            }
        }
        // Classes whose gradient is negligible are skipped: most operations
        // get a probability near zero, and updating them costs most of the time.
        let live: Vec<usize> = (0..self.n_classes)
            .filter(|&k| grad[k].abs() > 1e-4)
            .collect();
        let c = self.n_classes;
        for &(r, x) in &e.rows {
            let span = r * c..(r + 1) * c;
            let (w, g2) = (&mut self.w[span.clone()], &mut self.g[span]);
            for &k in &live {
                let g = grad[k] * x + p.l2 * w[k];
                g2[k] += g * g;
                w[k] -= lr * g / (g2[k].sqrt() + 1e-8);
            }
        }
        for ((t, gt), g) in self.theta.iter_mut().zip(&mut self.gt).zip(gtheta) {
            *gt += g * g;
            *t -= lr * g / (gt.sqrt() + 1e-8);
        }
    }
}

/// Fits a model on the examples; with `prune > 0`, then drops the weights
/// below it and refits the rest for a third as many epochs.
pub fn fit(
    ex: &[&Example<'_>],
    n_rows: usize,
    classes: &Classes,
    f: &Featurized,
    p: &Params,
    prune: f32,
) -> Model {
    let mut m = Model::new(n_rows, classes.n);
    let mut rng = Rng(p.seed.max(1));
    let lr = |epoch: usize| p.lr / (1.0 + epoch as f32 * 0.1);
    for epoch in 0..p.epochs {
        m.epoch(ex, classes, f, p, &mut rng, lr(epoch));
    }
    if prune > 0.0 {
        m.prune(classes, prune);
        for epoch in 0..p.epochs / 3 {
            m.epoch(ex, classes, f, p, &mut rng, lr(epoch));
        }
    }
    m.quantise();
    m
}
