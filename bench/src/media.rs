//! Resizing benchmark: generated 4000 × 3000 photos resized to 800 px wide JPEG and WebP by
//! Portico's pipeline, from one thread and from every core, and the same files through
//! libvips' `vipsthumbnail` in the same run. Usage (bench/media.sh runs it):
//! `portico-media-bench [--photos N] [--out DIR]`.

// Statistics on measured numbers: counts become floats and percentiles index sorted
// samples that are never empty; a benchmark that fails that way fails loudly, as it should.
#![allow(clippy::as_conversions, clippy::indexing_slicing)]

use anyhow::{bail, Context, Result};
use clap::Parser;
use portico_engine::MediaType;
use portico_media::{derive, Fit, FormatChoice, OutputFormat, Variant};
use rand::{Rng, SeedableRng};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

#[derive(Parser)]
struct Args {
    /// How many distinct photos to generate (fixed seed).
    #[arg(long, default_value_t = 12)]
    photos: usize,
    /// Where to write the photos (a temporary folder by default).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Only write the photos and exit.
    #[arg(long)]
    generate_only: bool,
}

/// A photo-like picture: smooth light, a few shapes with edges, and sensor noise, so that
/// the JPEG has the size and entropy of a real 12-megapixel camera shot (2-4 MB).
fn photo(seed: u64) -> Vec<u8> {
    let (w, h) = (4000u32, 3000u32);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let shapes: Vec<(f32, f32, f32, [f32; 3])> = (0..24)
        .map(|_| {
            (
                rng.gen_range(0.0..w as f32),
                rng.gen_range(0.0..h as f32),
                rng.gen_range(80.0..900.0),
                [
                    rng.gen_range(0.0..255.0),
                    rng.gen_range(0.0..255.0),
                    rng.gen_range(0.0..255.0),
                ],
            )
        })
        .collect();
    let sky = [
        rng.gen_range(90.0..200.0),
        rng.gen_range(120.0..220.0),
        rng.gen_range(160.0..255.0),
    ];
    let mut buf = vec![0u8; (w * h * 3) as usize];
    for y in 0..h {
        for x in 0..w {
            let (fx, fy) = (x as f32, y as f32);
            let light = 0.6 + 0.4 * ((fx / 700.0).sin() * (fy / 500.0).cos());
            let mut c = [
                sky[0] * light,
                sky[1] * light,
                sky[2] * (1.1 - fy / h as f32),
            ];
            for (cx, cy, r, col) in &shapes {
                let d = ((fx - cx).powi(2) + (fy - cy).powi(2)).sqrt();
                if d < *r {
                    let t = 0.7 + 0.3 * ((fx + fy) / 37.0).sin();
                    c = [col[0] * t, col[1] * t, col[2] * t];
                }
            }
            let i = ((y * w + x) * 3) as usize;
            for k in 0..3 {
                let noise: f32 = rng.gen_range(-9.0..9.0);
                buf[i + k] = (c[k] + noise).clamp(0.0, 255.0) as u8;
            }
        }
    }
    let mut out = Vec::new();
    let img = image::RgbImage::from_raw(w, h, buf).unwrap_or_default();
    let _ = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90).encode_image(&img);
    out
}

fn variant(fmt: FormatChoice) -> Variant {
    Variant {
        w: Some(800),
        h: None,
        fit: Fit::Inside,
        fmt,
        q: 80,
    }
}

fn ours(files: &[Vec<u8>], out: OutputFormat, threads: usize) -> Result<f64> {
    let fmt = match out {
        OutputFormat::Webp => FormatChoice::Webp,
        _ => FormatChoice::Jpeg,
    };
    let v = variant(fmt);
    let started = Instant::now();
    std::thread::scope(|s| -> Result<()> {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                s.spawn(move || -> Result<()> {
                    for f in files.iter().skip(t).step_by(threads) {
                        let r = derive(f, MediaType::Jpeg, &v, out, 100_000_000)?;
                        if r.len() < 1000 {
                            bail!("suspiciously small output");
                        }
                    }
                    Ok(())
                })
            })
            .collect();
        for h in handles {
            h.join().map_err(|_| anyhow::anyhow!("worker panicked"))??;
        }
        Ok(())
    })?;
    Ok(started.elapsed().as_secs_f64())
}

fn vips(paths: &[PathBuf], ext: &str, procs: usize, out_dir: &Path) -> Result<f64> {
    let started = Instant::now();
    let children: Vec<_> = (0..procs)
        .map(|p| {
            let mine: Vec<&PathBuf> = paths.iter().skip(p).step_by(procs).collect();
            Command::new("vipsthumbnail")
                .env("VIPS_CONCURRENCY", "1")
                .args(["-s", "800x", "-o"])
                .arg(format!("{}/%s-{p}.{ext}[Q=80]", out_dir.display()))
                .args(mine)
                .spawn()
        })
        .collect::<std::io::Result<_>>()
        .context("vipsthumbnail is missing: install libvips-tools")?;
    for mut c in children {
        if !c.wait()?.success() {
            bail!("vipsthumbnail failed");
        }
    }
    Ok(started.elapsed().as_secs_f64())
}

fn main() -> Result<()> {
    let args = Args::parse();
    let tmp = tempfile::tempdir()?;
    let dir = args.out.clone().unwrap_or_else(|| tmp.path().to_owned());
    std::fs::create_dir_all(&dir)?;
    let t = Instant::now();
    let files: Vec<Vec<u8>> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..args.photos)
            .map(|i| s.spawn(move || photo(2026 + i as u64)))
            .collect();
        hs.into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let mut paths = Vec::new();
    for (i, f) in files.iter().enumerate() {
        let p = dir.join(format!("photo-{i:02}.jpg"));
        std::fs::write(&p, f)?;
        paths.push(p);
    }
    let mb = files.iter().map(Vec::len).sum::<usize>() as f64 / files.len() as f64 / 1e6;
    eprintln!(
        "generated {} photos of 4000 x 3000 ({mb:.1} MB each on average) in {:.1} s",
        files.len(),
        t.elapsed().as_secs_f64()
    );
    if args.generate_only {
        return Ok(());
    }
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let n = files.len() as f64;
    let outdir = tempfile::tempdir()?;
    println!(
        "{:<8} {:<22} {:>14} {:>16} {:>10}",
        "format",
        "resizer",
        "ms/image (1)",
        format!("images/s ({cores})"),
        "vs libvips"
    );
    for (label, out, ext) in [
        ("jpeg", OutputFormat::Jpeg, "jpg"),
        ("webp", OutputFormat::Webp, "webp"),
    ] {
        // One warm-up pass each, so page faults and caches do not count.
        ours(&files[..2.min(files.len())], out, 1)?;
        vips(&paths[..2.min(paths.len())], ext, 1, outdir.path())?;
        let ours_1 = ours(&files, out, 1)? / n * 1000.0;
        let ours_n = n / ours(&files, out, cores)?;
        let vips_1 = vips(&paths, ext, 1, outdir.path())? / n * 1000.0;
        let vips_n = n / vips(&paths, ext, cores, outdir.path())?;
        println!(
            "{label:<8} {:<22} {ours_1:>14.1} {ours_n:>16.1} {:>9.2}x",
            "portico",
            ours_1 / vips_1
        );
        println!(
            "{label:<8} {:<22} {vips_1:>14.1} {vips_n:>16.1} {:>10}",
            "vipsthumbnail", "1.00x"
        );
    }
    Ok(())
}
