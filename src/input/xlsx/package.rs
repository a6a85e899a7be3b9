//! Finding a sheet's XML inside the XLSX package (a zip of XML parts) and reading the
//! shared-string table, the way calamine finds and reads them: part names are matched
//! without regard to case, the workbook is wherever `_rels/.rels` says, and a sheet is
//! wherever the workbook's relationships say.

use super::text::{Declined, raw_attr, read_string_item, xml_reader};
use quick_xml::escape::unescape;
use quick_xml::events::Event;
use std::collections::HashMap;
use std::io::{BufReader, Read, Seek};
use zip::ZipArchive;

/// The zip's part names, by their lower-case, forward-slash form.
pub struct PartNames(HashMap<String, String>);

impl PartNames {
    pub fn new<R: Read + Seek>(zip: &ZipArchive<R>) -> Self {
        let mut names = HashMap::with_capacity(zip.len());
        for name in zip.file_names().flatten() {
            names.insert(
                name.replace('\\', "/").to_ascii_lowercase(),
                name.to_string(),
            );
        }
        PartNames(names)
    }

    /// The zip entry for `path`, matched without regard to case.
    pub fn entry<'a>(&'a self, path: &'a str) -> &'a str {
        self.0
            .get(&path.to_ascii_lowercase())
            .map_or(path, String::as_str)
    }
}

/// Reads part `path`, or `None` when the package has no such part.
pub fn open_part<'z, R: Read + Seek>(
    zip: &'z mut ZipArchive<R>,
    names: &PartNames,
    path: &str,
) -> Result<Option<BufReader<zip::read::ZipFile<'z, R>>>, Declined> {
    match zip.by_name(names.entry(path)) {
        Ok(file) => Ok(Some(BufReader::with_capacity(64 * 1024, file))),
        Err(zip::result::ZipError::FileNotFound) => Ok(None),
        Err(_) => Err(Declined),
    }
}

/// Where the workbook part is: its folder (`xl/`) and its file name (`workbook.xml`).
pub fn workbook_location<R: Read + Seek>(
    zip: &mut ZipArchive<R>,
    names: &PartNames,
) -> Result<(String, String), Declined> {
    let part = open_part(zip, names, "_rels/.rels")?.ok_or(Declined)?;
    let mut target = None;
    for_each_relationship(part, |_, kind, to| {
        if kind.ends_with("/relationships/officeDocument") {
            target = Some(unescape(to).map_err(|_| Declined)?.into_owned());
        }
        Ok(())
    })?;
    let target = target.ok_or(Declined)?;
    let (dir, name) = match target.rfind('/') {
        Some(i) => target.split_at(i + 1),
        None => ("", target.as_str()),
    };
    let dir = dir.strip_prefix('/').unwrap_or(dir).to_string();
    let name = if name.is_empty() {
        "workbook.xml"
    } else {
        name
    };
    Ok((dir, name.to_string()))
}

/// Calls `f(id, type, target)` for each `<Relationship>` of a relationships part.
fn for_each_relationship<R: std::io::BufRead>(
    part: R,
    mut f: impl FnMut(&str, &str, &str) -> Result<(), Declined>,
) -> Result<(), Declined> {
    let mut xml = xml_reader(part);
    let mut buf = Vec::new();
    let mut inside = false;
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf)? {
            Event::Start(e) if e.local_name().as_ref() == "Relationships" => inside = true,
            Event::Start(e) if inside && e.local_name().as_ref() == "Relationship" => {
                let id = raw_attr(&e, "Id")?;
                let kind = raw_attr(&e, "Type")?;
                let target = raw_attr(&e, "Target")?;
                f(
                    id.as_deref().unwrap_or(""),
                    kind.as_deref().unwrap_or(""),
                    target.as_deref().unwrap_or(""),
                )?;
            }
            Event::End(e) if inside && e.local_name().as_ref() == "Relationships" => {
                return Ok(());
            }
            Event::Eof => return Err(Declined),
            _ => {}
        }
    }
}

/// The workbook's sheets in order: (name, part path).
pub fn sheets<R: Read + Seek>(
    zip: &mut ZipArchive<R>,
    names: &PartNames,
    dir: &str,
    workbook: &str,
) -> Result<Vec<(String, String)>, Declined> {
    let rels_path = format!("{dir}_rels/{workbook}.rels");
    let rels = open_part(zip, names, &rels_path)?.ok_or(Declined)?;
    let mut targets: HashMap<String, String> = HashMap::new();
    for_each_relationship(rels, |id, _, target| {
        if !id.is_empty() {
            targets.insert(id.to_string(), target.to_string());
        }
        Ok(())
    })?;
    let part = open_part(zip, names, &format!("{dir}{workbook}"))?.ok_or(Declined)?;
    let mut xml = xml_reader(part);
    let mut buf = Vec::new();
    let mut found = Vec::new();
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf)? {
            Event::Start(e) if e.local_name().as_ref() == "sheet" => {
                let mut name = String::new();
                let mut rel = String::new();
                for attr in e.attributes().with_checks(false) {
                    let attr = attr?;
                    let key = attr.key.as_ref();
                    let value = attr.value.as_ref();
                    if key == "name" {
                        name = unescape(value).map_err(|_| Declined)?.into_owned();
                    } else if key == "id" || key.ends_with(":id") {
                        rel = value.to_string();
                    }
                }
                let target = targets.get(&rel).ok_or(Declined)?;
                let path = match target.strip_prefix('/') {
                    Some(absolute) => absolute.to_string(),
                    None => format!("{dir}{target}"),
                };
                found.push((name, path));
            }
            Event::End(e) if e.local_name().as_ref() == "workbook" => return Ok(found),
            Event::Eof => return Err(Declined),
            _ => {}
        }
    }
}

/// The shared-string table (empty when the package has none).
pub fn shared_strings<R: Read + Seek>(
    zip: &mut ZipArchive<R>,
    names: &PartNames,
    dir: &str,
) -> Result<Vec<String>, Declined> {
    let Some(part) = open_part(zip, names, &format!("{dir}sharedStrings.xml"))? else {
        return Ok(Vec::new());
    };
    let mut xml = xml_reader(part);
    let mut buf = Vec::with_capacity(1024);
    let mut strings = Vec::new();
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf)? {
            Event::Start(e) if e.local_name().as_ref() == "sst" => {
                if let Some(n) = raw_attr(&e, "uniqueCount")?.and_then(|n| n.parse().ok()) {
                    // A hint only; never trust it for more than the part could hold.
                    strings.reserve(usize::min(n, 1 << 20));
                }
                break;
            }
            Event::Eof => return Err(Declined),
            _ => {}
        }
    }
    let (mut item_buf, mut text_buf) = (Vec::with_capacity(1024), Vec::with_capacity(1024));
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf)? {
            Event::Start(e) if e.local_name().as_ref() == "si" => {
                let closing = e.name().as_ref().to_string();
                strings.push(read_string_item(
                    &mut xml,
                    &closing,
                    &mut item_buf,
                    &mut text_buf,
                )?);
            }
            Event::End(e) if e.local_name().as_ref() == "sst" => return Ok(strings),
            Event::Eof => return Err(Declined),
            _ => {}
        }
    }
}
