//! The structure of an `.xls` compound file, walked before calamine reads it: calamine
//! follows its sector chains wherever they lead (a chain that loops grows until the
//! process aborts) and reserves a sheet's declared range before reading a cell.
//!
//! The DIFAT, FAT, directory, mini-FAT and stream chains are walked (no sector twice,
//! none outside the file, no more FAT sectors than the file has), then the workbook
//! stream's records for each sheet's extent. A file too damaged to walk passes: the
//! parser then says what is wrong with it.

use super::super::error::InputError;
use super::super::limits::{MAX_LOADED_CELLS, count};
use std::collections::HashSet;
use std::path::Path;

const ENDOFCHAIN: u32 = 0xFFFF_FFFE;
const DIFSECT: u32 = 0xFFFF_FFFC;
const RESERVED: u32 = 0xFFFF_FFFA;

fn u32_at(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4)
        .map_or(0, |s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

/// A compound file read for its structure.
struct Cfb<'a> {
    data: &'a [u8],
    size: usize,
}

/// Why a compound file is refused.
struct Damaged(String);

/// A step of the walk: `Ok(None)` when the file is too damaged to go on (the parser
/// will say so), `Err` when it is refused.
type Step<T> = Result<Option<T>, Damaged>;

impl Cfb<'_> {
    fn sector(&self, id: u32) -> Option<&[u8]> {
        let start = (id as usize).checked_add(1)?.checked_mul(self.size)?;
        let end = start.checked_add(self.size)?;
        self.data.get(start..end.min(self.data.len()))
    }

    /// Walks a chain of `table` from `start` (the FAT or the mini-FAT), as calamine
    /// follows it, until its end or until `len` bytes of sectors of `unit` bytes: every
    /// link must stay inside the table and no sector may come twice (a loop).
    fn walk(table: &[u32], start: u32, unit: usize, len: u64, what: &str) -> Result<(), Damaged> {
        let mut seen = vec![false; table.len()];
        let (mut id, mut got) = (start, 0u64);
        while id != ENDOFCHAIN && got < len {
            if id >= RESERVED {
                // calamine stops with an error there; nothing grows.
                return Ok(());
            }
            let slot = seen.get_mut(id as usize).ok_or_else(|| {
                Damaged(format!(
                    "the {what} points to sector {id}, outside the file"
                ))
            })?;
            if *slot {
                return Err(Damaged(format!(
                    "the {what} comes back to sector {id} (a loop)"
                )));
            }
            *slot = true;
            got += unit as u64;
            id = table[id as usize];
        }
        Ok(())
    }

    /// The sectors of the (already walked) chain from `start` in `fat`, appended to
    /// `out` until the chain ends, a sector is missing, or `out` has `len` bytes.
    fn read_chain(&self, fat: &[u32], start: u32, len: usize, out: &mut Vec<u8>) {
        let mut id = start;
        while id < RESERVED && out.len() < len {
            let Some(s) = self.sector(id) else { break };
            out.extend_from_slice(s);
            id = fat.get(id as usize).copied().unwrap_or(ENDOFCHAIN);
        }
    }
}

pub fn check_cfb(path: &Path) -> Result<(), InputError> {
    let data = std::fs::read(path).map_err(|source| InputError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    match cfb_structure(&data) {
        Ok(()) => Ok(()),
        Err(Damaged(why)) => Err(super::damaged(
            path,
            format!("its compound-file structure is damaged: {why}"),
        )),
    }
}

fn cfb_structure(data: &[u8]) -> Result<(), Damaged> {
    if data.len() < 512 || !data.starts_with(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") {
        return Ok(());
    }
    let size = match u16::from_le_bytes([data[30], data[31]]) {
        9 => 512,
        12 => 4096,
        _ => return Ok(()),
    };
    let cfb = Cfb { data, size };
    let Some(fat) = read_fat(&cfb)? else {
        return Ok(());
    };
    // The directory, read to its end.
    let dir_start = u32_at(data, 48);
    Cfb::walk(&fat, dir_start, size, u64::MAX, "directory chain")?;
    let mut dir = Vec::new();
    cfb.read_chain(&fat, dir_start, usize::MAX, &mut dir);
    let entries: Vec<(u32, u64)> = dir
        .chunks_exact(128)
        .map(|e| {
            let len = if size == 512 {
                u64::from(u32_at(e, 120))
            } else {
                u64::from(u32_at(e, 120)) | (u64::from(u32_at(e, 124)) << 32)
            };
            (u32_at(e, 116), len)
        })
        .collect();
    let Some(&root) = entries.first() else {
        return Ok(());
    };
    let mini_fat = read_mini_fat(&cfb, &fat, root)?;
    for (i, &(start, len)) in entries.iter().enumerate().skip(1) {
        if len == 0 {
            continue;
        }
        if len < 4096 {
            Cfb::walk(&mini_fat, start, 64, len, &format!("stream {i} (mini)"))?;
        } else {
            Cfb::walk(&fat, start, size, len, &format!("stream {i}"))?;
        }
    }
    check_workbook(&cfb, &fat, &dir, &entries)
}

/// The FAT, from the DIFAT: 109 entries in the header, then a chain whose sectors end
/// with the next one's id.
fn read_fat(cfb: &Cfb<'_>) -> Step<Vec<u32>> {
    let data = cfb.data;
    let sectors = data.len() / cfb.size;
    let mut difat: Vec<u32> = (0..109).map(|i| u32_at(data, 76 + 4 * i)).collect();
    let mut id = u32_at(data, 68);
    let mut seen = HashSet::new();
    while id < RESERVED {
        if !seen.insert(id) || seen.len() > sectors + 1 {
            return Err(Damaged(format!(
                "the DIFAT chain comes back to sector {id}"
            )));
        }
        let Some(s) = cfb.sector(id) else {
            return Ok(None);
        };
        difat.extend((0..s.len() / 4).map(|i| u32_at(s, 4 * i)));
        match difat.pop() {
            Some(next) => id = next,
            None => return Ok(None),
        }
    }
    let fat_sectors: Vec<u32> = difat.into_iter().filter(|&id| id < DIFSECT).collect();
    if fat_sectors.len() > sectors + 1 {
        return Err(Damaged(format!(
            "it lists {} FAT sectors in a file of {} sectors",
            fat_sectors.len(),
            sectors
        )));
    }
    let mut fat = Vec::new();
    for id in fat_sectors {
        let Some(s) = cfb.sector(id) else {
            return Ok(None);
        };
        fat.extend((0..s.len() / 4).map(|i| u32_at(s, 4 * i)));
    }
    Ok(Some(fat))
}

/// The mini-FAT (empty when the file declares none), after walking the root's
/// mini-stream chain and the mini-FAT's own chain.
fn read_mini_fat(cfb: &Cfb<'_>, fat: &[u32], root: (u32, u64)) -> Result<Vec<u32>, Damaged> {
    let (size, data) = (cfb.size, cfb.data);
    let mini_fat_len = u64::from(u32_at(data, 64));
    let mut mini_fat = Vec::new();
    if mini_fat_len > 0 {
        Cfb::walk(fat, root.0, size, root.1, "mini-stream chain")?;
        let start = u32_at(data, 60);
        let len = mini_fat_len.saturating_mul(size as u64);
        Cfb::walk(fat, start, size, len, "mini-FAT chain")?;
        let mut id = start;
        while id < RESERVED && (mini_fat.len() * 4) < len as usize {
            let Some(s) = cfb.sector(id) else { break };
            mini_fat.extend((0..s.len() / 4).map(|i| u32_at(s, 4 * i)));
            id = fat.get(id as usize).copied().unwrap_or(ENDOFCHAIN);
        }
    }
    Ok(mini_fat)
}

/// The workbook stream (large ones only; a small one cannot declare much), read along
/// its checked chain, for the sheets' extents.
fn check_workbook(
    cfb: &Cfb<'_>,
    fat: &[u32],
    dir: &[u8],
    entries: &[(u32, u64)],
) -> Result<(), Damaged> {
    let names: Vec<String> = dir
        .chunks_exact(128)
        .map(|e| {
            let units: Vec<u16> = e[..64]
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .take_while(|&u| u != 0)
                .collect();
            String::from_utf16_lossy(&units)
        })
        .collect();
    let book = names
        .iter()
        .position(|n| n.eq_ignore_ascii_case("Workbook"))
        .or_else(|| names.iter().position(|n| n.eq_ignore_ascii_case("Book")));
    if let Some(&(start, len)) = book.and_then(|i| entries.get(i))
        && len >= 4096
    {
        let mut stream = Vec::new();
        cfb.read_chain(
            fat,
            start,
            usize::try_from(len).unwrap_or(usize::MAX),
            &mut stream,
        );
        stream.truncate(usize::try_from(len).unwrap_or(usize::MAX));
        biff_extents(&stream)?;
    }
    Ok(())
}

/// The cells calamine would allocate for each sheet of a BIFF workbook stream: it
/// makes a dense range from the lowest to the highest row and column of the sheet's
/// cell records, so one cell record at row 65,000, column 16,000 costs a billion cells.
fn biff_extents(stream: &[u8]) -> Result<(), Damaged> {
    const BOF: u16 = 0x0809;
    const EOF: u16 = 0x000A;
    const DIMENSIONS: u16 = 0x0200;
    let cell_records = [
        0x0006u16, 0x00BD, 0x00BE, 0x00D6, 0x00FD, 0x0201, 0x0203, 0x0204, 0x0205, 0x027E,
    ];
    let mut at = 0;
    let mut extent: Option<(u32, u32, u32, u32)> = None;
    let check = |e: Option<(u32, u32, u32, u32)>| -> Result<(), Damaged> {
        if let Some((r0, r1, c0, c1)) = e {
            let cells = u64::from(r1 - r0 + 1) * u64::from(c1 - c0 + 1);
            if cells > MAX_LOADED_CELLS {
                return Err(Damaged(format!(
                    "a sheet spans {} cells (rows {} to {}, columns {} to {}), over the limit of {} for an .xls file, which is read whole",
                    count(cells),
                    r0 + 1,
                    r1 + 1,
                    c0 + 1,
                    c1 + 1,
                    count(MAX_LOADED_CELLS)
                )));
            }
        }
        Ok(())
    };
    while at + 4 <= stream.len() {
        let kind = u16::from_le_bytes([stream[at], stream[at + 1]]);
        let len = usize::from(u16::from_le_bytes([stream[at + 2], stream[at + 3]]));
        let body = &stream[at + 4..(at + 4 + len).min(stream.len())];
        at += 4 + len;
        if kind == BOF || kind == EOF {
            check(extent.take())?;
            continue;
        }
        if kind == DIMENSIONS {
            dimensions(body)?;
            continue;
        }
        if cell_records.contains(&kind) && body.len() >= 4 {
            let row = u32::from(u16::from_le_bytes([body[0], body[1]]));
            let col = u32::from(u16::from_le_bytes([body[2], body[3]]));
            // MULRK and MULBLANK end with their last column.
            let last = if matches!(kind, 0x00BD | 0x00BE) && body.len() >= 6 {
                let n = body.len();
                u32::from(u16::from_le_bytes([body[n - 2], body[n - 1]]))
            } else {
                col
            };
            let (lo, hi) = (col.min(last), col.max(last));
            extent = Some(match extent {
                None => (row, row, lo, hi),
                Some((r0, r1, c0, c1)) => (r0.min(row), r1.max(row), c0.min(lo), c1.max(hi)),
            });
        }
    }
    check(extent)
}

/// A DIMENSIONS record, read as calamine 0.38 reads it (`xls.rs`, `parse_dimensions`):
/// calamine reserves room for rows x columns cells from it before reading any cell, so
/// a damaged record (rows 0 to 4 billion) asked for 845 GB. Its arithmetic wraps in a
/// release build, and so does this mirror of it.
fn dimensions(r: &[u8]) -> Result<(), Damaged> {
    let u16_at = |i: usize| u32::from(u16::from_le_bytes([r[i], r[i + 1]]));
    let u32_at = |i: usize| u32::from_le_bytes([r[i], r[i + 1], r[i + 2], r[i + 3]]);
    let (rf, rl, mut cf, cl) = match r.len() {
        10 => (u16_at(0), u16_at(2), u16_at(4), u16_at(6)),
        14 | 16 => (u32_at(0), u32_at(4), u16_at(8), u16_at(10)),
        // calamine refuses other lengths itself.
        _ => return Ok(()),
    };
    if 0xFF < cf || cl < cf {
        cf = 0;
    }
    let (start, end) = if 1 <= rl && 1 <= cl {
        ((rf, cf), (rl - 1, cl - 1))
    } else {
        ((rf, cf), (rf, cf))
    };
    let rows = u64::from(end.0.wrapping_sub(start.0).wrapping_add(1));
    let cols = u64::from(end.1.wrapping_sub(start.1).wrapping_add(1));
    let cells = rows.saturating_mul(cols);
    if cells > MAX_LOADED_CELLS {
        return Err(Damaged(format!(
            "a sheet declares {} cells ({} rows by {} columns), over the limit of {} for an .xls file, which is read whole",
            count(cells),
            count(rows),
            count(cols),
            count(MAX_LOADED_CELLS)
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dimensions_record_that_claims_billions_of_cells_is_refused() {
        let mut r = Vec::new();
        r.extend_from_slice(&0u32.to_le_bytes());
        r.extend_from_slice(&u32::MAX.to_le_bytes());
        r.extend_from_slice(&0u16.to_le_bytes());
        r.extend_from_slice(&200u16.to_le_bytes());
        r.extend_from_slice(&[0, 0]);
        assert!(dimensions(&r).is_err());
        // A backwards range wraps in calamine exactly as here.
        let mut back = Vec::new();
        back.extend_from_slice(&10u32.to_le_bytes());
        back.extend_from_slice(&5u32.to_le_bytes());
        back.extend_from_slice(&0u16.to_le_bytes());
        back.extend_from_slice(&3u16.to_le_bytes());
        back.extend_from_slice(&[0, 0]);
        assert!(dimensions(&back).is_err());
        let mut fine = Vec::new();
        fine.extend_from_slice(&0u32.to_le_bytes());
        fine.extend_from_slice(&61u32.to_le_bytes());
        fine.extend_from_slice(&0u16.to_le_bytes());
        fine.extend_from_slice(&28u16.to_le_bytes());
        fine.extend_from_slice(&[0, 0]);
        assert!(dimensions(&fine).is_ok());
    }

    #[test]
    fn cfb_loops_are_found() {
        // A header, one FAT sector (sector 0) and a directory (sector 1) whose chain
        // points back to itself.
        let mut f = vec![0u8; 512 * 3];
        f[..8].copy_from_slice(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1");
        f[30] = 9;
        f[32] = 6;
        f[48..52].copy_from_slice(&1u32.to_le_bytes());
        f[68..72].copy_from_slice(&ENDOFCHAIN.to_le_bytes());
        f[76..80].copy_from_slice(&0u32.to_le_bytes());
        for i in 1..109 {
            f[76 + 4 * i..80 + 4 * i].copy_from_slice(&u32::MAX.to_le_bytes());
        }
        let fat = 512;
        f[fat..fat + 4].copy_from_slice(&0xFFFF_FFFDu32.to_le_bytes());
        f[fat + 4..fat + 8].copy_from_slice(&1u32.to_le_bytes());
        assert!(matches!(cfb_structure(&f), Err(Damaged(w)) if w.contains("loop")));
        f[fat + 4..fat + 8].copy_from_slice(&ENDOFCHAIN.to_le_bytes());
        assert!(cfb_structure(&f).is_ok());
    }
}
