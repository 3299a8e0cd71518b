//! The embedded tantivy index of each version, opened in place from the
//! binary's static bytes through a read-only [`Directory`].
//!
//! Document `i` of a version's index is operation `i` of its catalog (one
//! segment, documents added in catalog order; `build.rs` asserts it).

pub(crate) mod schema;

use std::io;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use tantivy::directory::error::{DeleteError, LockError, OpenReadError, OpenWriteError};
use tantivy::directory::{
    Directory, DirectoryLock, FileHandle, Lock, WatchCallback, WatchHandle, WritePtr,
};
use tantivy::index::SegmentId;
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::{TextAnalyzer, TokenStream};
use tantivy::{Index, SegmentReader, Term};

use crate::catalog::{self, Version};

/// A read-only tantivy directory over the index files embedded in the binary.
#[derive(Clone, Debug)]
struct StaticDirectory {
    dir: &'static include_dir::Dir<'static>,
}

impl StaticDirectory {
    fn file(&self, path: &Path) -> Option<&'static [u8]> {
        let name = path.to_str()?;
        self.dir
            .files()
            .find(|f| f.path().file_name().and_then(|n| n.to_str()) == Some(name))
            .map(|f| f.contents())
    }
}

impl Directory for StaticDirectory {
    fn get_file_handle(&self, path: &Path) -> Result<Arc<dyn FileHandle>, OpenReadError> {
        match self.file(path) {
            Some(bytes) => Ok(Arc::new(bytes)),
            None => Err(OpenReadError::FileDoesNotExist(path.to_path_buf())),
        }
    }
    fn delete(&self, _path: &Path) -> Result<(), DeleteError> {
        Ok(())
    }
    fn exists(&self, path: &Path) -> Result<bool, OpenReadError> {
        Ok(self.file(path).is_some())
    }
    fn open_write(&self, path: &Path) -> Result<WritePtr, OpenWriteError> {
        Err(OpenWriteError::wrap_io_error(
            io::Error::new(
                io::ErrorKind::PermissionDenied,
                "the embedded index is read-only",
            ),
            path.to_path_buf(),
        ))
    }
    fn atomic_read(&self, path: &Path) -> Result<Vec<u8>, OpenReadError> {
        self.file(path)
            .map(<[u8]>::to_vec)
            .ok_or_else(|| OpenReadError::FileDoesNotExist(path.to_path_buf()))
    }
    fn atomic_write(&self, _path: &Path, _data: &[u8]) -> io::Result<()> {
        Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            "the embedded index is read-only",
        ))
    }
    fn sync_directory(&self) -> io::Result<()> {
        Ok(())
    }
    /// Nothing can write to static bytes, so locking is a no-op.
    fn acquire_lock(&self, _lock: &Lock) -> Result<DirectoryLock, LockError> {
        Ok(DirectoryLock::from(Box::new(())))
    }
    fn watch(&self, _cb: WatchCallback) -> tantivy::Result<WatchHandle> {
        Ok(WatchHandle::empty())
    }
}

/// The id of the index's one segment, from the name of its `.idx` file.
fn segment_id(dir: &include_dir::Dir) -> Option<SegmentId> {
    dir.files().find_map(|f| {
        let path = f.path();
        let stem = path.file_stem()?.to_str()?;
        (path.extension()? == "idx")
            .then(|| SegmentId::from_uuid_string(stem).ok())
            .flatten()
    })
}

/// One version's searchable index.
pub struct SearchIndex {
    #[cfg(test)]
    index: Index,
    segment: SegmentReader,
    fields: Vec<Field>,
    stem: TextAnalyzer,
    num_docs: usize,
    vocab: OnceLock<Vec<(String, u32)>>,
    /// Per searchable field: its inverted index, per-document length and average length.
    bm25: Vec<FieldStats>,
}

/// What BM25 needs of one field, read once when the index opens.
struct FieldStats {
    field: Field,
    boost: f32,
    inverted: Arc<tantivy::InvertedIndexReader>,
    norms: Vec<f32>,
    avg: f32,
}

const K1: f32 = 1.2;
const B: f32 = 0.75;

/// A weighted query word, already normalised by the resolver.
#[derive(Debug, Clone)]
pub struct QueryWord<'a> {
    pub text: &'a str,
    pub weight: f32,
}

impl SearchIndex {
    fn open(version: &Version) -> SearchIndex {
        let dir = catalog::INDEX_DIR
            .get_dir(version.date)
            .expect("build.rs embeds an index per version");
        let index = Index::open(StaticDirectory { dir }).expect("the embedded index opens");
        // The one segment, opened directly: an `IndexReader` (or
        // `searchable_segments`) would parse meta.json a second time and build
        // a searcher pool this process never uses. Its id is its files' name.
        let segment = segment_id(dir)
            .map(|id| index.segment(index.new_segment_meta(id, version.operations.len() as u32)))
            .and_then(|s| SegmentReader::open(&s).ok())
            .expect("the embedded index has its segment");
        let schema = index.schema();
        let fields = schema::FIELDS
            .iter()
            .map(|(name, _, _)| schema.get_field(name).unwrap())
            .collect();
        let stem = index
            .tokenizers()
            .get("en_stem")
            .expect("en_stem tokenizer");
        let num_docs = segment.num_docs() as usize;
        let bm25 = schema::FIELDS
            .iter()
            .zip(&fields)
            .filter(|((_, _, boost), _)| *boost > 0.0)
            .map(|((_, _, boost), &field)| {
                let inverted = segment.inverted_index(field).expect("indexed field");
                let norms_reader = segment.get_fieldnorms_reader(field).expect("fieldnorms");
                let norms: Vec<f32> = (0..num_docs as u32)
                    .map(|d| norms_reader.fieldnorm(d) as f32)
                    .collect();
                let avg = (inverted.total_num_tokens() as f32 / num_docs.max(1) as f32).max(1.0);
                FieldStats {
                    field,
                    boost: *boost,
                    inverted,
                    norms,
                    avg,
                }
            })
            .collect();
        SearchIndex {
            #[cfg(test)]
            index,
            segment,
            fields,
            stem,
            num_docs,
            vocab: OnceLock::new(),
            bm25,
        }
    }

    /// Opens the index of `version` afresh (no cache); for the cold-open benchmark.
    #[doc(hidden)]
    pub fn open_uncached(version: &Version) -> SearchIndex {
        SearchIndex::open(version)
    }

    /// The index of `version`, opened once per process.
    pub fn get(version: &Version) -> &'static SearchIndex {
        static CACHE: catalog::PerVersion<SearchIndex> = catalog::PerVersion::new();
        CACHE.get_or_init(version, || SearchIndex::open(version))
    }

    /// Number of documents (= operations of the version).
    pub fn len(&self) -> usize {
        self.num_docs
    }

    /// True when the version has no operations.
    pub fn is_empty(&self) -> bool {
        self.num_docs == 0
    }

    /// Tokenises and stems text the way the index did ("sign_in_tokens" -> sign, in, token).
    pub fn analyze(&self, text: &str) -> Vec<String> {
        let mut analyzer = self.stem.clone();
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            out.push(stream.token().text.clone());
        }
        out
    }

    /// Every word of the unstemmed field with its document frequency, sorted.
    /// Built once per process; used to correct typos before searching.
    pub fn vocabulary(&self) -> &[(String, u32)] {
        self.vocab.get_or_init(|| {
            let mut out = Vec::new();
            let Ok(inv) = self.segment.inverted_index(self.fields[schema::RAW]) else {
                return out;
            };
            let Ok(mut stream) = inv.terms().stream() else {
                return out;
            };
            while stream.advance() {
                if let Ok(word) = std::str::from_utf8(stream.key()) {
                    out.push((word.to_string(), stream.value().doc_freq));
                }
            }
            out
        })
    }

    /// Document frequency of an unstemmed word in the raw field (0 = unknown word).
    pub fn raw_doc_freq(&self, word: &str) -> u64 {
        self.doc_freq(schema::RAW, word)
    }

    /// True when `word` (stemmed as indexed) is a word of some operation's path
    /// (`ban`, `unlock`, `revoke`): the API names that action.
    pub fn names_in_paths(&self, word: &str) -> bool {
        self.analyze(word)
            .iter()
            .any(|stemmed| self.doc_freq(schema::PATH, stemmed) > 0)
    }

    /// Number of documents whose field `field` (an index into `schema::FIELDS`) has `word`.
    fn doc_freq(&self, field: usize, word: &str) -> u64 {
        let term = Term::from_field_text(self.fields[field], word);
        self.segment
            .inverted_index(self.fields[field])
            .ok()
            .and_then(|inv| inv.doc_freq(&term).ok())
            .map_or(0, u64::from)
    }

    /// BM25 score of every document for the weighted words, summed over the
    /// boosted fields. Returns one score per operation (0.0 = no match).
    ///
    /// Same formula and statistics as tantivy's BM25 (k1 = 1.2, b = 0.75, its
    /// fieldnorms and document frequencies), read straight from the postings:
    /// with a few hundred documents, a BooleanQuery's weights, scorers and
    /// union cost more than the scoring itself.
    pub fn scores(&self, words: &[QueryWord<'_>]) -> Vec<f32> {
        let mut out = vec![0.0f32; self.num_docs];
        let n = self.num_docs as f32;
        for w in words {
            for stemmed in self.analyze(w.text) {
                for f in &self.bm25 {
                    let term = Term::from_field_text(f.field, &stemmed);
                    let Ok(Some(info)) = f.inverted.get_term_info(&term) else {
                        continue;
                    };
                    let df = info.doc_freq as f32;
                    let idf = (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
                    let weight = f.boost * w.weight * idf * (1.0 + K1);
                    let Ok(mut block) = f
                        .inverted
                        .read_block_postings_from_terminfo(&info, IndexRecordOption::WithFreqs)
                    else {
                        continue;
                    };
                    let mut seen = 0u32;
                    while seen < info.doc_freq && !block.docs().is_empty() {
                        for (&doc, &tf) in block.docs().iter().zip(block.freqs()) {
                            let (doc, tf) = (doc as usize, tf as f32);
                            if let (Some(o), Some(&len)) = (out.get_mut(doc), f.norms.get(doc)) {
                                *o += weight * tf / (tf + K1 * (1.0 - B + B * len / f.avg));
                            }
                            seen += 1;
                        }
                        block.advance();
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::collector::{Collector, SegmentCollector};
    use tantivy::query::BoostQuery;
    use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

    /// Collects the score of every matching document into a dense vector.
    struct AllScores {
        n: usize,
    }

    struct AllScoresSegment {
        scores: Vec<f32>,
    }

    impl Collector for AllScores {
        type Fruit = Vec<f32>;
        type Child = AllScoresSegment;

        fn for_segment(
            &self,
            _ord: SegmentOrdinal,
            _reader: &SegmentReader,
        ) -> tantivy::Result<AllScoresSegment> {
            Ok(AllScoresSegment {
                scores: vec![0.0; self.n],
            })
        }

        fn requires_scoring(&self) -> bool {
            true
        }

        fn merge_fruits(&self, fruits: Vec<Vec<f32>>) -> tantivy::Result<Vec<f32>> {
            // One segment per index; summing keeps it correct should that ever change.
            let mut out = vec![0.0; self.n];
            for f in fruits {
                for (o, s) in out.iter_mut().zip(f) {
                    *o += s;
                }
            }
            Ok(out)
        }
    }

    impl SegmentCollector for AllScoresSegment {
        type Fruit = Vec<f32>;

        fn collect(&mut self, doc: DocId, score: Score) {
            if let Some(s) = self.scores.get_mut(doc as usize) {
                *s = score;
            }
        }

        fn harvest(self) -> Vec<f32> {
            self.scores
        }
    }

    #[test]
    fn opens_every_version_and_doc_ids_match_catalog() {
        for v in catalog::versions() {
            let idx = SearchIndex::get(v);
            assert_eq!(idx.len(), v.operations().len(), "{}", v.date);
        }
    }

    #[test]
    fn bm25_finds_ban() {
        let v = catalog::version("2026-05-12").unwrap();
        let idx = SearchIndex::get(v);
        let s = idx.scores(&[QueryWord {
            text: "ban",
            weight: 1.0,
        }]);
        let best = s
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .unwrap()
            .0;
        assert!(v.operations()[best].path.contains("ban"));
    }

    #[test]
    fn direct_bm25_equals_tantivys_boolean_query() {
        use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
        let v = catalog::latest();
        let idx = SearchIndex::get(v);
        let words = [
            QueryWord {
                text: "ban",
                weight: 1.0,
            },
            QueryWord {
                text: "users",
                weight: 0.5,
            },
        ];
        let mine = idx.scores(&words);
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for w in &words {
            for t in idx.analyze(w.text) {
                for (i, (_, _, boost)) in
                    schema::FIELDS.iter().enumerate().filter(|(_, f)| f.2 > 0.0)
                {
                    let q = TermQuery::new(
                        Term::from_field_text(idx.fields[i], &t),
                        IndexRecordOption::WithFreqs,
                    );
                    clauses.push((
                        Occur::Should,
                        Box::new(BoostQuery::new(Box::new(q), boost * w.weight)),
                    ));
                }
            }
        }
        let theirs = idx
            .index
            .reader()
            .unwrap()
            .searcher()
            .search(&BooleanQuery::new(clauses), &AllScores { n: idx.len() })
            .unwrap();
        assert!(mine.iter().any(|s| *s > 0.0));
        for (a, b) in mine.iter().zip(&theirs) {
            assert!((a - b).abs() <= 1e-3 * b.abs().max(1.0), "{a} vs {b}");
        }
    }
}
