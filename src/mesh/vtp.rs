//! VTK XML PolyData (`.vtp`) as SimVascular, VMTK and ParaView write it.
//!
//! Data arrays may be inline (`ascii`, or base64 `binary`) or `appended` (raw or base64), zlib
//! compressed or not, with 32- or 64-bit block headers, in either byte order. Every size read
//! from the file is checked against the bytes that are there before anything is allocated, so a
//! truncated or corrupt file gives an error naming the array, never a crash. (vtkio 0.7 was
//! tried first: it aborts on SimVascular's own demo model, so the reader is our own.)
//!
//! The cell array `ModelFaceID` becomes the face groups, named from a SimVascular model file
//! (`.mdl`) with the same stem beside the `.vtp` when there is one (faces typed `cap` there are
//! caps), else `face_<id>`. Polygons with more than three corners and triangle strips are split
//! into triangles that keep their cell's label.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use base64::Engine;
use quick_xml::events::{BytesStart, Event};

use super::{FaceGroup, GroupKind, MeshError, SurfaceMesh, Vec3};

/// The element a DataArray sits in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Section {
    Points,
    Verts,
    Lines,
    Polys,
    Strips,
    CellData,
    Other,
}

/// One `<DataArray>` as declared in the XML.
#[derive(Debug)]
struct ArrayDesc {
    section: Section,
    name: String,
    ty: String,
    format: String,
    offset: usize,
    text: String,
    line: usize,
}

#[derive(Debug, Default)]
struct PieceDesc {
    counts: BTreeMap<&'static str, usize>,
    arrays: Vec<ArrayDesc>,
}

/// File-wide encoding settings from `<VTKFile>` and `<AppendedData>`.
struct Encoding {
    little_endian: bool,
    header_bytes: usize,
    zlib: bool,
}

pub(super) fn parse(path: &Path, bytes: &[u8]) -> Result<SurfaceMesh, MeshError> {
    let appended_at = find(bytes, b"<AppendedData");
    let head = &bytes[..appended_at.unwrap_or(bytes.len())];
    if let Err(e) = std::str::from_utf8(head) {
        return Err(MeshError::syntax(
            path,
            line_of(bytes, e.valid_up_to()),
            "bytes that are not UTF-8 in the XML text",
        ));
    }
    let (enc, pieces) = read_xml(path, head)?;
    let appended = match appended_at {
        Some(at) => Some(appended_block(path, bytes, at)?),
        None => None,
    };
    let mut mesh = SurfaceMesh::default();
    let mut face_ids = Vec::new();
    for (k, piece) in pieces.iter().enumerate() {
        read_piece(path, k, piece, &enc, appended.as_ref(), &mut mesh, &mut face_ids)?;
    }
    name_groups(path, &mut mesh, &face_ids)?;
    Ok(mesh)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn line_of(bytes: &[u8], pos: usize) -> usize {
    1 + bytes[..pos.min(bytes.len())].iter().filter(|&&b| b == b'\n').count()
}

fn attr(e: &BytesStart, key: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == key.as_bytes())
        .map(|a| String::from_utf8_lossy(&a.value).into_owned())
}

/// Walks the XML before any appended data: encoding settings and the pieces' arrays.
fn read_xml(path: &Path, head: &[u8]) -> Result<(Encoding, Vec<PieceDesc>), MeshError> {
    let mut reader = quick_xml::Reader::from_reader(head);
    let mut enc = None;
    let mut pieces: Vec<PieceDesc> = Vec::new();
    let mut section = Section::Other;
    let mut open: Option<ArrayDesc> = None;
    let mut buf = Vec::new();
    loop {
        let pos = reader.buffer_position() as usize;
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| MeshError::syntax(path, line_of(head, pos), format!("malformed XML: {e}")))?;
        let line = line_of(head, pos);
        let empty = matches!(event, Event::Empty(_));
        match event {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) => match e.name().as_ref() {
                b"VTKFile" => {
                    let kind = attr(&e, "type").unwrap_or_default();
                    if kind != "PolyData" {
                        return Err(MeshError::syntax(path, line, format!("VTKFile type `{kind}`, expected PolyData")));
                    }
                    let header_bytes = match attr(&e, "header_type").as_deref() {
                        None | Some("UInt32") => 4,
                        Some("UInt64") => 8,
                        Some(other) => return Err(MeshError::syntax(path, line, format!("header_type `{other}`"))),
                    };
                    let zlib = match attr(&e, "compressor").as_deref() {
                        None | Some("") => false,
                        Some("vtkZLibDataCompressor") => true,
                        Some(other) => {
                            return Err(MeshError::syntax(
                                path,
                                line,
                                format!("compressor `{other}` is not supported (zlib or none)"),
                            ))
                        }
                    };
                    let little_endian = attr(&e, "byte_order").as_deref() != Some("BigEndian");
                    enc = Some(Encoding { little_endian, header_bytes, zlib });
                }
                b"Piece" => {
                    let mut p = PieceDesc::default();
                    for key in ["NumberOfPoints", "NumberOfVerts", "NumberOfLines", "NumberOfPolys", "NumberOfStrips"] {
                        let v = attr(&e, key).unwrap_or_else(|| "0".into());
                        let n =
                            v.trim().parse().map_err(|_| MeshError::syntax(path, line, format!("{key}=\"{v}\"")))?;
                        p.counts.insert(key, n);
                    }
                    pieces.push(p);
                }
                b"Points" => section = Section::Points,
                b"Verts" => section = Section::Verts,
                b"Lines" => section = Section::Lines,
                b"Polys" => section = Section::Polys,
                b"Strips" => section = Section::Strips,
                b"CellData" => section = Section::CellData,
                b"PointData" => section = Section::Other,
                b"DataArray" => {
                    let offset = attr(&e, "offset").unwrap_or_else(|| "0".into());
                    let desc = ArrayDesc {
                        section,
                        name: attr(&e, "Name").unwrap_or_default(),
                        ty: attr(&e, "type").unwrap_or_default(),
                        format: attr(&e, "format").unwrap_or_else(|| "ascii".into()),
                        offset: offset
                            .trim()
                            .parse()
                            .map_err(|_| MeshError::syntax(path, line, format!("DataArray offset=\"{offset}\"")))?,
                        text: String::new(),
                        line,
                    };
                    if empty {
                        push_array(path, &mut pieces, desc)?;
                    } else {
                        open = Some(desc);
                    }
                }
                _ => {}
            },
            Event::Text(t) => {
                if let Some(a) = open.as_mut() {
                    a.text.push_str(&String::from_utf8_lossy(&t));
                }
            }
            Event::End(e) => match e.name().as_ref() {
                b"DataArray" => {
                    if let Some(a) = open.take() {
                        push_array(path, &mut pieces, a)?;
                    }
                }
                b"Points" | b"Verts" | b"Lines" | b"Polys" | b"Strips" | b"CellData" | b"PointData" => {
                    section = Section::Other
                }
                _ => {}
            },
            _ => {}
        }
        buf.clear();
    }
    let enc = enc.ok_or_else(|| MeshError::malformed(path, "no <VTKFile> element: not a VTK XML file"))?;
    if pieces.is_empty() {
        return Err(MeshError::malformed(path, "no <PolyData><Piece> element (truncated file?)"));
    }
    Ok((enc, pieces))
}

fn push_array(path: &Path, pieces: &mut [PieceDesc], a: ArrayDesc) -> Result<(), MeshError> {
    match pieces.last_mut() {
        Some(p) => {
            p.arrays.push(a);
            Ok(())
        }
        None => Err(MeshError::syntax(path, a.line, "DataArray outside a <Piece>")),
    }
}

/// The appended block after `<AppendedData encoding="...">` and its leading `_`.
struct Appended<'a> {
    data: &'a [u8],
    base64: bool,
}

fn appended_block<'a>(path: &Path, bytes: &'a [u8], at: usize) -> Result<Appended<'a>, MeshError> {
    let line = line_of(bytes, at);
    let tag_end = at
        + bytes[at..]
            .iter()
            .position(|&b| b == b'>')
            .ok_or_else(|| MeshError::syntax(path, line, "unterminated <AppendedData> tag (truncated file?)"))?;
    let tag = String::from_utf8_lossy(&bytes[at..=tag_end]);
    let base64 = !tag.contains("\"raw\"");
    let rest = &bytes[tag_end + 1..];
    let start = rest
        .iter()
        .position(|&b| !b.is_ascii_whitespace())
        .filter(|&i| rest[i] == b'_')
        .ok_or_else(|| MeshError::syntax(path, line, "appended data does not start with `_`"))?;
    Ok(Appended { data: &rest[start + 1..], base64 })
}

fn scalar_size(ty: &str) -> Option<usize> {
    Some(match ty {
        "Int8" | "UInt8" => 1,
        "Int16" | "UInt16" => 2,
        "Int32" | "UInt32" | "Float32" => 4,
        "Int64" | "UInt64" | "Float64" => 8,
        _ => return None,
    })
}

/// Decodes an array's values as f64 (integers up to 2^53 are exact).
fn values(a: &ArrayDesc, enc: &Encoding, appended: Option<&Appended>) -> Result<Vec<f64>, String> {
    let size = scalar_size(&a.ty).ok_or_else(|| format!("unsupported type `{}`", a.ty))?;
    let raw = match a.format.as_str() {
        "ascii" => {
            return a
                .text
                .split_whitespace()
                .map(|w| w.parse::<f64>().map_err(|_| format!("`{w}` is not a number")))
                .collect()
        }
        "binary" => {
            let text: Vec<u8> = a.text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
            block(&text, true, enc)?
        }
        "appended" => {
            let app = appended.ok_or("format=\"appended\" but the file has no <AppendedData>")?;
            let data = app.data.get(a.offset..).ok_or(format!("offset {} beyond the appended data", a.offset))?;
            block(data, app.base64, enc)?
        }
        other => return Err(format!("format `{other}`")),
    };
    if raw.len() % size != 0 {
        return Err(format!("{} bytes is not a whole number of {}", raw.len(), a.ty));
    }
    Ok(raw
        .chunks_exact(size)
        .map(|c| {
            let mut b = [0u8; 8];
            b[..size].copy_from_slice(c);
            if !enc.little_endian {
                b[..size].reverse();
            }
            let u = u64::from_le_bytes(b);
            match a.ty.as_str() {
                "Float32" => f32::from_bits(u as u32) as f64,
                "Float64" => f64::from_bits(u),
                "Int8" => u as u8 as i8 as f64,
                "Int16" => u as u16 as i16 as f64,
                "Int32" => u as u32 as i32 as f64,
                "Int64" => u as i64 as f64,
                _ => u as f64,
            }
        })
        .collect())
}

/// One binary block: a header (byte count, or zlib block table) and the data after it.
fn block(data: &[u8], base64: bool, enc: &Encoding) -> Result<Vec<u8>, String> {
    let h = enc.header_bytes;
    let b64 = |s: &[u8]| base64::engine::general_purpose::STANDARD.decode(s).map_err(|e| format!("bad base64: {e}"));
    let word = |b: &[u8], i: usize| -> Result<usize, String> {
        let w = b.get(i * h..(i + 1) * h).ok_or("truncated block header")?;
        let mut x = [0u8; 8];
        x[..h].copy_from_slice(w);
        if !enc.little_endian {
            x[..h].reverse();
        }
        usize::try_from(u64::from_le_bytes(x)).map_err(|_| "block size beyond memory".to_string())
    };
    // Base64 text: the header and the data are encoded separately when compressed, together
    // when not; decode just what each needs (4 characters per 3 bytes, rounded up).
    let chars = |bytes: usize| bytes.div_ceil(3) * 4;
    if !enc.zlib {
        let (n, body) = if base64 {
            let all = b64(data.get(..chars(h)).ok_or("truncated block header")?)?;
            let n = word(&all, 0)?;
            let all = b64(data.get(..chars(h + n)).ok_or(format!("truncated: {n} bytes announced"))?)?;
            (n, all[h..].to_vec())
        } else {
            let n = word(data, 0)?;
            (
                n,
                data.get(h..h + n)
                    .ok_or(format!("truncated: {n} bytes announced, {} present", data.len() - h))?
                    .to_vec(),
            )
        };
        return if body.len() >= n { Ok(body[..n].to_vec()) } else { Err(format!("truncated: {n} bytes announced")) };
    }
    let first = if base64 { b64(data.get(..chars(3 * h)).ok_or("truncated block header")?)? } else { data.to_vec() };
    let blocks = word(&first, 0)?;
    let (block_size, last) = (word(&first, 1)?, word(&first, 2)?);
    let header_len = (3 + blocks).checked_mul(h).ok_or("absurd block count")?;
    let (header, body) = if base64 {
        let hc = chars(header_len);
        if hc > data.len() {
            return Err(format!("truncated: header of {blocks} blocks"));
        }
        (b64(&data[..hc])?, &data[hc..])
    } else {
        if header_len > data.len() {
            return Err(format!("truncated: header of {blocks} blocks"));
        }
        (data[..header_len].to_vec(), &data[header_len..])
    };
    let mut sizes = Vec::with_capacity(blocks.min(1 << 20));
    for i in 0..blocks {
        sizes.push(word(&header, 3 + i)?);
    }
    let compressed: usize = sizes.iter().sum();
    let body = if base64 {
        let need = chars(compressed);
        if body.len() < need {
            return Err(format!(
                "truncated: {compressed} compressed bytes announced ({need} base64 characters), {} present",
                body.len()
            ));
        }
        b64(&body[..need])?
    } else {
        body.get(..compressed).ok_or(format!("truncated: {compressed} compressed bytes announced"))?.to_vec()
    };
    if body.len() < compressed {
        return Err(format!("truncated: {compressed} compressed bytes announced, {} present", body.len()));
    }
    let expected = if blocks == 0 { 0 } else { (blocks - 1) * block_size + if last == 0 { block_size } else { last } };
    let mut out = Vec::with_capacity(expected.min(body.len().saturating_mul(1032)));
    let mut at = 0;
    for s in sizes {
        flate2::read::ZlibDecoder::new(&body[at..at + s]).read_to_end(&mut out).map_err(|e| format!("zlib: {e}"))?;
        at += s;
    }
    if out.len() != expected {
        return Err(format!("decompressed {} bytes, header announces {expected}", out.len()));
    }
    Ok(out)
}

/// Appends one piece's polygons and strips as triangles; `face_ids` gets each triangle's
/// ModelFaceID (None when the piece has none).
fn read_piece(
    path: &Path,
    k: usize,
    piece: &PieceDesc,
    enc: &Encoding,
    appended: Option<&Appended>,
    mesh: &mut SurfaceMesh,
    face_ids: &mut Vec<Option<i64>>,
) -> Result<(), MeshError> {
    let array = |section: Section, name: Option<&str>| -> Result<Option<Vec<f64>>, MeshError> {
        let Some(a) = piece.arrays.iter().find(|a| a.section == section && name.is_none_or(|n| a.name == n)) else {
            return Ok(None);
        };
        values(a, enc, appended)
            .map(Some)
            .map_err(|m| MeshError::syntax(path, a.line, format!("Piece {k}, DataArray `{}`: {m}", a.name)))
    };
    let bad = |m: String| MeshError::malformed(path, format!("Piece {k}: {m}"));
    let n_points = piece.counts["NumberOfPoints"];
    let coords = array(Section::Points, None)?.ok_or_else(|| bad("no Points array".into()))?;
    if coords.len() != 3 * n_points {
        return Err(bad(format!("Points hold {} numbers for {n_points} points", coords.len())));
    }
    let base = mesh.vertices.len();
    for (i, c) in coords.chunks_exact(3).enumerate() {
        if !c.iter().all(|x| x.is_finite()) {
            return Err(bad(format!("point {i} has a non-finite coordinate ({}, {}, {})", c[0], c[1], c[2])));
        }
        mesh.vertices.push(Vec3::new(c[0], c[1], c[2]));
    }
    // Cell data runs over verts, lines, polys, strips in that order.
    let c = &piece.counts;
    let n_cells = c["NumberOfVerts"] + c["NumberOfLines"] + c["NumberOfPolys"] + c["NumberOfStrips"];
    let ids = array(Section::CellData, Some("ModelFaceID"))?;
    if let Some(ids) = &ids {
        if ids.len() != n_cells {
            return Err(bad(format!("ModelFaceID has {} values for {n_cells} cells", ids.len())));
        }
    }
    let mut cell = c["NumberOfVerts"] + c["NumberOfLines"];
    for (section, count) in [(Section::Polys, "NumberOfPolys"), (Section::Strips, "NumberOfStrips")] {
        if c[count] == 0 {
            continue;
        }
        let name = |n| format!("{section:?} `{n}`");
        let conn = array(section, Some("connectivity"))?.ok_or_else(|| bad(format!("no {}", name("connectivity"))))?;
        let offsets = array(section, Some("offsets"))?.ok_or_else(|| bad(format!("no {}", name("offsets"))))?;
        let offsets: Vec<f64> = offsets.into_iter().skip_while(|&o| o == 0.0).collect();
        if offsets.len() != c[count] {
            return Err(bad(format!("{} has {} entries for {} cells", name("offsets"), offsets.len(), c[count])));
        }
        let mut start = 0usize;
        for end in offsets {
            let end = end as usize;
            if end < start || end > conn.len() {
                return Err(bad(format!("cell {cell}: offset {end} outside the connectivity array")));
            }
            let v = &conn[start..end];
            if let Some(&p) = v.iter().find(|&&p| p < 0.0 || p as usize >= n_points) {
                return Err(bad(format!("cell {cell} uses point {p}, but the piece has {n_points} points")));
            }
            let v: Vec<u32> = v.iter().map(|&p| (base + p as usize) as u32).collect();
            for j in 2..v.len() {
                mesh.triangles.push(match (section, j % 2) {
                    (Section::Polys, _) => [v[0], v[j - 1], v[j]],
                    (_, 0) => [v[j - 2], v[j - 1], v[j]],
                    _ => [v[j - 1], v[j - 2], v[j]],
                });
                face_ids.push(ids.as_ref().map(|ids| ids[cell] as i64));
            }
            start = end;
            cell += 1;
        }
    }
    Ok(())
}

/// One group per face id, named from the `.mdl` beside the file when there is one.
fn name_groups(path: &Path, mesh: &mut SurfaceMesh, face_ids: &[Option<i64>]) -> Result<(), MeshError> {
    let mdl_path = path.with_extension("mdl");
    let faces = if mdl_path.is_file() { read_mdl(&mdl_path)? } else { BTreeMap::new() };
    let mut index: BTreeMap<Option<i64>, u32> = BTreeMap::new();
    mesh.labels = face_ids
        .iter()
        .map(|id| {
            *index.entry(*id).or_insert_with(|| {
                mesh.groups.push(match id {
                    None => FaceGroup { name: "wall".into(), kind: GroupKind::Wall },
                    Some(id) => faces.get(id).cloned().unwrap_or_else(|| FaceGroup::from_name(format!("face_{id}"))),
                });
                (mesh.groups.len() - 1) as u32
            })
        })
        .collect();
    Ok(())
}

/// SimVascular model file: `<face id=".." name=".." type="wall|cap" .../>` elements; the type,
/// when given, decides wall or cap.
fn read_mdl(path: &Path) -> Result<BTreeMap<i64, FaceGroup>, MeshError> {
    let text = std::fs::read(path).map_err(|e| MeshError::io(path, e))?;
    let mut reader = quick_xml::Reader::from_reader(text.as_slice());
    let mut faces = BTreeMap::new();
    let mut buf = Vec::new();
    loop {
        let pos = reader.buffer_position() as usize;
        let line = line_of(&text, pos);
        match reader.read_event_into(&mut buf) {
            Err(e) => return Err(MeshError::syntax(path, line, format!("malformed XML: {e}"))),
            Ok(Event::Eof) => break,
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) if e.name().as_ref() == b"face" => {
                let id = attr(&e, "id").and_then(|v| v.trim().parse::<i64>().ok());
                let (Some(id), Some(name)) = (id, attr(&e, "name")) else {
                    return Err(MeshError::syntax(path, line, "<face> without a numeric id and a name"));
                };
                let mut group = FaceGroup::from_name(name);
                match attr(&e, "type").as_deref() {
                    Some("cap") => group.kind = GroupKind::Cap,
                    Some("wall") => group.kind = GroupKind::Wall,
                    _ => {}
                }
                faces.insert(id, group);
            }
            Ok(_) => {}
        }
        buf.clear();
    }
    Ok(faces)
}
