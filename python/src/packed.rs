//! Numbers as little-endian byte strings: what batch functions exchange with Python, which
//! wraps them into Arrow arrays without copying.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use thresh::stages::Contribution;

pub(crate) fn pack<T: Copy, const N: usize>(
    items: impl Iterator<Item = T>,
    to: impl Fn(T) -> [u8; N],
) -> Vec<u8> {
    items.flat_map(to).collect()
}

pub(crate) fn unpack<T, const N: usize>(
    bytes: &[u8],
    what: &str,
    from: impl Fn([u8; N]) -> T,
) -> PyResult<Vec<T>> {
    if bytes.len() % N != 0 {
        return Err(PyValueError::new_err(format!(
            "{what}: {} bytes is not a whole number of {N}-byte values",
            bytes.len()
        )));
    }
    Ok(bytes
        .chunks_exact(N)
        .map(|c| {
            let mut a = [0u8; N];
            a.copy_from_slice(c);
            from(a)
        })
        .collect())
}

pub(crate) fn u64s(b: &[u8], what: &str) -> PyResult<Vec<u64>> {
    unpack(b, what, u64::from_le_bytes)
}

pub(crate) fn u32s(b: &[u8], what: &str) -> PyResult<Vec<u32>> {
    unpack(b, what, u32::from_le_bytes)
}

pub(crate) fn i64s(b: &[u8], what: &str) -> PyResult<Vec<i64>> {
    unpack(b, what, i64::from_le_bytes)
}

pub(crate) fn same_length(lengths: &[(usize, &str)]) -> PyResult<usize> {
    let n = lengths.first().map_or(0, |l| l.0);
    match lengths.iter().find(|l| l.0 != n) {
        Some((len, name)) => Err(PyValueError::new_err(format!(
            "{name} holds {len} values where {n} are needed"
        ))),
        None => Ok(n),
    }
}

/// Contributions as five packed columns: key, cluster, member, site, docs.
/// Five packed columns.
pub(crate) type Columns5 = (Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>);

pub(crate) fn pack_contributions(c: &[Contribution]) -> Columns5 {
    (
        pack(c.iter().map(|c| c.key), u64::to_le_bytes),
        pack(c.iter().map(|c| c.cluster), u64::to_le_bytes),
        pack(c.iter().map(|c| c.member), u32::to_le_bytes),
        pack(c.iter().map(|c| c.site), u32::to_le_bytes),
        pack(c.iter().map(|c| c.docs), u32::to_le_bytes),
    )
}

pub(crate) type Packed5<'a> = (&'a [u8], &'a [u8], &'a [u8], &'a [u8], &'a [u8]);

pub(crate) fn unpack_contributions(p: Packed5<'_>) -> PyResult<Vec<Contribution>> {
    let (key, cluster, member, site, docs) = (
        u64s(p.0, "key")?,
        u64s(p.1, "cluster")?,
        u32s(p.2, "member")?,
        u32s(p.3, "site")?,
        u32s(p.4, "docs")?,
    );
    same_length(&[
        (key.len(), "key"),
        (cluster.len(), "cluster"),
        (member.len(), "member"),
        (site.len(), "site"),
        (docs.len(), "docs"),
    ])?;
    Ok((0..key.len())
        .map(|i| Contribution {
            key: key[i],
            cluster: cluster[i],
            member: member[i],
            site: site[i],
            docs: docs[i],
        })
        .collect())
}
