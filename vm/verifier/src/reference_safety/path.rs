//! Borrow paths: the labels from a borrowed reference (or the frame root)
//! down to what borrows from it. Fixed-size and `Copy`, because every
//! abstract state holds one per borrow edge.

/// One step of a borrow path. Four bytes: paths are copied with every state.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub(super) enum Label {
    /// A local of the frame: only on edges out of the frame root.
    Local(u8),
    /// Global storage of one of this module's types (a struct definition
    /// index): only on edges out of the frame root.
    Global(u16),
    /// A field: the struct definition and the field's index (the limits
    /// pass keeps field indexes below 255).
    Field(u16, u8),
}

/// How many labels a path keeps exactly (a local and four fields). A longer
/// path is cut to this prefix and its edge made weak ("somewhere below"):
/// sound, and it keeps edges small and `Copy` so states copy cheaply.
pub(super) const MAX_PATH: usize = 5;

/// A borrow path: the labels from the borrowed reference to the borrower.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) struct Path {
    len: u8,
    labels: [Label; MAX_PATH],
}

impl Path {
    pub const EMPTY: Path = Path { len: 0, labels: [Label::Local(0); MAX_PATH] };

    pub fn one(label: Label) -> Path {
        let mut path = Path::EMPTY;
        path.labels[0] = label;
        path.len = 1;
        path
    }

    pub fn as_slice(&self) -> &[Label] {
        self.labels.get(..usize::from(self.len)).unwrap_or_default()
    }

    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn first(&self) -> Option<&Label> {
        self.as_slice().first()
    }

    pub fn starts_with(&self, prefix: &Path) -> bool {
        self.as_slice().starts_with(prefix.as_slice())
    }

    /// The labels after the first `n`.
    pub fn suffix(&self, n: usize) -> Path {
        Path::from_labels(self.as_slice().get(n..).unwrap_or_default()).0
    }

    /// `self` then `other`; the flag is set when it had to be cut.
    pub fn join(&self, other: &Path) -> (Path, bool) {
        let mut labels = [Label::Local(0); 2 * MAX_PATH];
        let (a, b) = (self.as_slice(), other.as_slice());
        labels[..a.len()].copy_from_slice(a);
        labels[a.len()..a.len() + b.len()].copy_from_slice(b);
        Path::from_labels(&labels[..a.len() + b.len()])
    }

    /// The first `MAX_PATH` labels; the flag is set when there were more.
    pub fn from_labels(labels: &[Label]) -> (Path, bool) {
        let mut path = Path::EMPTY;
        let kept = labels.len().min(MAX_PATH);
        path.labels[..kept].copy_from_slice(&labels[..kept]);
        path.len = kept as u8;
        (path, labels.len() > MAX_PATH)
    }
}
