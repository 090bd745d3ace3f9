//! Cover photos for the demo's articles, drawn at start-up rather than shipped: the
//! repository stays small and the same seed draws the same pictures. Each is a landscape of
//! the province's highlands (sky, sun, ridges fading into the distance, terraced fields in
//! front), which reads as a photo at thumbnail size and compresses like one.

use image::codecs::jpeg::JpegEncoder;
use image::{Rgb, RgbImage};

/// Width and height of a drawn photo: 16:9, larger than the biggest preset (`content`).
pub const SIZE: (u32, u32) = (1280, 720);

/// What each photo shows, as its library title says it.
pub const TITLES: &[&str] = &[
    "Ruộng bậc thang vùng cao (ảnh minh họa)",
    "Bình minh trên dãy núi (ảnh minh họa)",
    "Mùa lúa chín trên ruộng bậc thang (ảnh minh họa)",
    "Núi rừng trong sương sớm (ảnh minh họa)",
    "Chiều muộn ở bản vùng cao (ảnh minh họa)",
    "Thung lũng mùa nước đổ (ảnh minh họa)",
];

struct Palette {
    sky_top: [f32; 3],
    sky_low: [f32; 3],
    sun: [f32; 3],
    far: [f32; 3],
    near: [f32; 3],
    field: [f32; 3],
}

const PALETTES: &[Palette] = &[
    // Green terraces under a clear sky.
    Palette {
        sky_top: [70.0, 130.0, 200.0],
        sky_low: [190.0, 220.0, 240.0],
        sun: [255.0, 250.0, 225.0],
        far: [120.0, 150.0, 175.0],
        near: [40.0, 95.0, 60.0],
        field: [110.0, 170.0, 70.0],
    },
    // Dawn.
    Palette {
        sky_top: [90.0, 90.0, 150.0],
        sky_low: [250.0, 180.0, 140.0],
        sun: [255.0, 235.0, 190.0],
        far: [150.0, 120.0, 150.0],
        near: [50.0, 60.0, 80.0],
        field: [90.0, 120.0, 80.0],
    },
    // Harvest gold.
    Palette {
        sky_top: [80.0, 145.0, 210.0],
        sky_low: [215.0, 230.0, 240.0],
        sun: [255.0, 248.0, 220.0],
        far: [125.0, 155.0, 170.0],
        near: [70.0, 100.0, 55.0],
        field: [215.0, 175.0, 60.0],
    },
    // Mist.
    Palette {
        sky_top: [175.0, 190.0, 200.0],
        sky_low: [225.0, 230.0, 232.0],
        sun: [240.0, 240.0, 235.0],
        far: [165.0, 180.0, 185.0],
        near: [70.0, 100.0, 90.0],
        field: [120.0, 150.0, 110.0],
    },
    // Late afternoon.
    Palette {
        sky_top: [60.0, 100.0, 170.0],
        sky_low: [245.0, 200.0, 130.0],
        sun: [255.0, 225.0, 150.0],
        far: [130.0, 110.0, 120.0],
        near: [60.0, 70.0, 50.0],
        field: [150.0, 140.0, 60.0],
    },
    // Flooded terraces reflecting the sky.
    Palette {
        sky_top: [85.0, 140.0, 205.0],
        sky_low: [200.0, 225.0, 245.0],
        sun: [255.0, 252.0, 235.0],
        far: [115.0, 140.0, 165.0],
        near: [45.0, 85.0, 70.0],
        field: [150.0, 190.0, 215.0],
    },
];

/// A small deterministic generator, so the pictures do not depend on `rand`'s versions.
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> f32 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let v = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 40;
        f32::from(u16::try_from(v & 0xFFFF).unwrap_or(0)) / 65535.0
    }
}

/// One sine component of a ridge line: frequency, phase, amplitude.
type Wave = (f32, f32, f32);

fn mix(a: [f32; 3], b: [f32; 3], t: f32) -> [f32; 3] {
    let t = t.clamp(0.0, 1.0);
    [
        a[0] + (b[0] - a[0]) * t,
        a[1] + (b[1] - a[1]) * t,
        a[2] + (b[2] - a[2]) * t,
    ]
}

fn px(c: [f32; 3]) -> Rgb<u8> {
    // Clamped to 0..=255 first, so the conversion cannot overflow.
    #[allow(
        clippy::as_conversions,
        reason = "the value is clamped to the u8 range"
    )]
    let b = |v: f32| v.round().clamp(0.0, 255.0) as u8;
    Rgb([b(c[0]), b(c[1]), b(c[2])])
}

/// Photo `n` as a JPEG (different `n`, different picture; the palette cycles).
pub fn photo(n: usize) -> Vec<u8> {
    let (w, h) = SIZE;
    let Some(pal) = PALETTES.get(n % PALETTES.len()) else {
        return Vec::new();
    };
    let mut noise = Noise(0x9E37_79B9_7F4A_7C15 ^ u64::try_from(n).unwrap_or(0).wrapping_mul(7919));
    // Four ridges from far to near, each a sum of waves with its own phases.
    let ridges: Vec<(f32, [Wave; 3])> = (0..4)
        .map(|k| {
            let kf = f32::from(u8::try_from(k).unwrap_or(0));
            let base = 0.38 + kf * 0.12;
            let waves = [
                (
                    1.5 + noise.next() * 2.0,
                    noise.next() * 6.3,
                    0.07 - kf * 0.01,
                ),
                (4.0 + noise.next() * 4.0, noise.next() * 6.3, 0.035),
                (11.0 + noise.next() * 9.0, noise.next() * 6.3, 0.012),
            ];
            (base, waves)
        })
        .collect();
    let sun = (0.2 + noise.next() * 0.6, 0.15 + noise.next() * 0.15);
    let wf = f32::from(u16::try_from(w).unwrap_or(1280));
    let hf = f32::from(u16::try_from(h).unwrap_or(720));
    // The ridge heights of each column, computed once.
    let heights: Vec<[f32; 4]> = (0..w)
        .map(|x| {
            let u = f32::from(u16::try_from(x).unwrap_or(0)) / wf;
            let mut out = [0.0; 4];
            for (slot, (base, waves)) in out.iter_mut().zip(&ridges) {
                *slot = base
                    + waves
                        .iter()
                        .map(|(f, p, a)| a * (f * u * std::f32::consts::TAU / 2.0 + p).sin())
                        .sum::<f32>();
            }
            out
        })
        .collect();
    let mut img = RgbImage::new(w, h);
    for (x, y, pixel) in img.enumerate_pixels_mut() {
        let u = f32::from(u16::try_from(x).unwrap_or(0)) / wf;
        let v = f32::from(u16::try_from(y).unwrap_or(0)) / hf;
        let hs = heights
            .get(usize::try_from(x).unwrap_or(0))
            .copied()
            .unwrap_or_default();
        // The nearest ridge this pixel lies on, if any.
        let mut colour = None;
        for k in (0..4).rev() {
            let top = hs.get(k).copied().unwrap_or(1.0);
            if v >= top {
                let depth = f32::from(u8::try_from(k).unwrap_or(0)) / 3.0;
                let mut c = mix(pal.far, pal.near, depth);
                if k >= 2 {
                    // Terraces: bands that follow the slope, lighter at each edge.
                    let t = (v - top) * (90.0 + 40.0 * depth);
                    let band = t - t.floor();
                    let lit = if band < 0.18 {
                        1.18
                    } else {
                        0.94 + 0.08 * band
                    };
                    c = mix(c, pal.field, 0.55 + 0.2 * depth);
                    c = [c[0] * lit, c[1] * lit, c[2] * lit];
                }
                // Haze: farther ridges and their tops fade into the sky.
                let haze = (1.0 - depth) * 0.35 * (1.0 - ((v - top) * 4.0).min(1.0));
                colour = Some(mix(c, pal.sky_low, haze));
                break;
            }
        }
        let c = colour.unwrap_or_else(|| {
            let sky = mix(pal.sky_top, pal.sky_low, v / 0.6);
            let d = ((u - sun.0).powi(2) * (wf / hf).powi(2) + (v - sun.1).powi(2)).sqrt();
            if d < 0.06 {
                pal.sun
            } else {
                mix(pal.sun, sky, ((d - 0.06) * 5.0).sqrt())
            }
        });
        // A little grain, as a camera has, so gradients do not band.
        let g = (noise.next() - 0.5) * 6.0;
        *pixel = px([c[0] + g, c[1] + g, c[2] + g]);
    }
    let mut out = Vec::new();
    // Writing to a Vec cannot fail; an empty result only means no cover.
    let _ = JpegEncoder::new_with_quality(&mut out, 82).encode_image(&img);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn photos_are_jpegs_of_the_stated_size_and_differ() {
        let a = photo(0);
        let b = photo(1);
        assert_ne!(a, b);
        let img = image::load_from_memory(&a).unwrap();
        assert_eq!((img.width(), img.height()), SIZE);
        // A photo, not a flat fill: a JPEG of this size is tens of KB.
        assert!(a.len() > 20_000 && a.len() < 400_000, "{} bytes", a.len());
        assert_eq!(photo(3), photo(3));
    }
}
