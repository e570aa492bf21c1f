//! Property tests: validation and pricing never panic, and agree with each other and with the catalogue.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use artnex::catalogue::{self, AspectRatio, Credits, Kind, Model, Quality, Resolution, VideoMode};
use artnex::media::ImageInput;
use artnex::pricing::{Estimate, PriceTable};
use artnex::{Client, ErrorCode};
use proptest::prelude::*;

/// One client for every case (building one loads the TLS roots, which is slow in a debug build).
fn client() -> Client {
    static CLIENT: std::sync::LazyLock<Client> = std::sync::LazyLock::new(|| {
        Client::builder()
            .api_key("sk-proptest")
            .build()
            .expect("offline client")
    });
    CLIENT.clone()
}

fn model_strategy() -> impl Strategy<Value = Model> {
    let known = (0..Model::ALL.len()).prop_map(|i| Model::ALL[i].clone());
    let other = "[a-z0-9.\\-]{0,20}".prop_map(|s: String| Model::from_id(&s));
    prop_oneof![4 => known, 1 => other]
}

fn text_strategy(max: usize) -> impl Strategy<Value = String> {
    prop_oneof![
        ".{0,64}",
        "\\PC{0,32}",
        "[ \\t\\n]{0,8}",
        (max - 3..max + 3).prop_map(|n| "é".repeat(n)),
        (max - 3..max + 3).prop_map(|n| "🦊".repeat(n)),
    ]
}

fn image_strategy() -> impl Strategy<Value = ImageInput> {
    prop_oneof![
        ".{0,40}".prop_map(ImageInput::from),
        proptest::collection::vec(any::<u8>(), 0..64).prop_map(ImageInput::from),
        proptest::collection::vec(any::<u8>(), 0..32).prop_map(|mut v| {
            let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
            png.append(&mut v);
            ImageInput::from(png)
        }),
        "data:[a-z/]{0,12};base64,[A-Za-z0-9+/=!]{0,40}".prop_map(ImageInput::data_uri),
        "https://[a-z]{1,8}\\.example/[a-z]{0,8}\\.png".prop_map(ImageInput::url),
    ]
}

fn opt<T: std::fmt::Debug + Clone + 'static>(
    s: impl Strategy<Value = T> + 'static,
) -> BoxedStrategy<Option<T>> {
    proptest::option::of(s).boxed()
}

fn resolution() -> impl Strategy<Value = Resolution> {
    (0..3usize).prop_map(|i| Resolution::ALL[i])
}
fn quality() -> impl Strategy<Value = Quality> {
    (0..3usize).prop_map(|i| Quality::ALL[i])
}
fn ratio() -> impl Strategy<Value = AspectRatio> {
    (0..3usize).prop_map(|i| AspectRatio::ALL[i])
}

fn unit_price(model: &Model) -> Option<u64> {
    model.info().and_then(|i| i.credits.fixed())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn generate_never_panics_and_prices_per_image(
        prompt in text_strategy(4000),
        model in opt(model_strategy()),
        n in any::<u8>(),
        w in opt(any::<u32>()),
        h in opt(any::<u32>()),
        r in opt(resolution()),
        q in opt(quality()),
    ) {
        let c = client();
        let mut req = c.generate(prompt.clone()).num_images(n);
        if let Some(m) = &model { req = req.model(m.clone()); }
        if let Some(w) = w { req = req.width(w); }
        if let Some(h) = h { req = req.height(h); }
        if let Some(r) = r { req = req.resolution(r); }
        if let Some(q) = q { req = req.quality(q); }
        let valid = req.validate();
        let est = req.estimate();
        prop_assert_eq!(valid.is_ok(), est.is_ok());
        let chars = prompt.chars().count();
        if chars > 4000 || prompt.trim().is_empty() {
            prop_assert!(valid.is_err());
        }
        if !(1..=4).contains(&n) {
            prop_assert!(valid.is_err());
        }
        if let (Ok(est), Some(m)) = (est, &model) {
            match m.info() {
                Some(info) if info.credits == Credits::Varies => prop_assert_eq!(est, Estimate::Varies),
                Some(info) => {
                    prop_assert_eq!(info.kind, Kind::Image);
                    prop_assert_eq!(est, Estimate::Credits(unit_price(m).unwrap() * u64::from(n)));
                }
                None => prop_assert_eq!(est, Estimate::Unknown),
            }
        }
    }

    #[test]
    fn edit_never_panics(
        prompt in text_strategy(4000),
        model in opt(model_strategy()),
        image in image_strategy(),
        r in opt(resolution()),
        q in opt(quality()),
    ) {
        let c = client();
        let mut req = c.edit(prompt, image);
        if let Some(m) = &model { req = req.model(m.clone()); }
        if let Some(r) = r { req = req.resolution(r); }
        if let Some(q) = q { req = req.quality(q); }
        let est = req.estimate();
        prop_assert_eq!(req.validate().is_ok(), est.is_ok());
        if let (Ok(Estimate::Credits(c)), Some(m)) = (est, &model) {
            prop_assert_eq!(Some(c), unit_price(m));
            prop_assert_eq!(m.info().map(|i| i.kind), Some(Kind::Edit));
        }
    }

    #[test]
    fn video_never_panics_and_respects_the_catalogue(
        prompt in text_strategy(4000),
        model in opt(model_strategy()),
        duration in opt(0u32..80),
        ratio in opt(ratio()),
        mode in opt(prop_oneof![Just(VideoMode::TextToVideo), Just(VideoMode::ImageToVideo)]),
        image in opt(image_strategy()),
    ) {
        let c = client();
        let mut req = c.video(prompt);
        if let Some(m) = &model { req = req.model(m.clone()); }
        if let Some(d) = duration { req = req.duration(d); }
        if let Some(a) = ratio { req = req.aspect_ratio(a); }
        if let Some(md) = mode { req = req.mode(md); }
        if let Some(i) = image.clone() { req = req.image(i); }
        let est = req.estimate();
        prop_assert_eq!(req.validate().is_ok(), est.is_ok());
        if let (Ok(est), Some(m)) = (est, &model)
            && let Some(info) = m.info()
        {
            let v = info.video.expect("valid video requests use video models");
            if let Some(d) = duration { prop_assert!(v.durations.contains(d)); }
            if let Some(a) = ratio { prop_assert!(v.aspect_ratios.contains(&a.as_str())); }
            prop_assert_eq!(v.mode == VideoMode::ImageToVideo, image.is_some());
            prop_assert_eq!(est, Estimate::Credits(unit_price(m).unwrap()));
        }
    }

    #[test]
    fn tts_upscale_remove_bg_never_panic(
        text in text_strategy(5000),
        model in model_strategy(),
        voice in opt(".{0,12}"),
        image in image_strategy(),
        scale in prop_oneof![any::<f64>(), 0.0f64..10.0, Just(f64::NAN), Just(f64::INFINITY)],
    ) {
        let c = client();
        let mut tts = c.tts(text.clone()).model(model.clone());
        if let Some(v) = voice { tts = tts.voice(v); }
        let est = tts.estimate();
        prop_assert_eq!(tts.validate().is_ok(), est.is_ok());
        if text.chars().count() > 5000 {
            prop_assert_eq!(est.clone().unwrap_err().code, Some(ErrorCode::TextTooLong));
        }
        let up = c.upscale(image.clone()).scale(scale);
        let est = up.estimate();
        prop_assert_eq!(up.validate().is_ok(), est.is_ok());
        if est.is_ok() {
            prop_assert_eq!(est.unwrap(), Estimate::Credits(catalogue::UPSCALE_CREDITS));
            // Only what any scale must be, and the bounds the docs state (1-8 is an assumption).
            prop_assert!(scale.is_finite() && scale > 0.0);
            for bound in [artnex::facts::UPSCALE_IMAGE_SCALE_MIN, artnex::facts::UPSCALE_IMAGE_SCALE_MAX] {
                if bound.documented {
                    prop_assert!((artnex::facts::UPSCALE_IMAGE_SCALE_MIN.value..=artnex::facts::UPSCALE_IMAGE_SCALE_MAX.value).contains(&scale));
                }
            }
        }
        let bg = c.remove_background(image);
        if let Ok(e) = bg.estimate() {
            prop_assert_eq!(e, Estimate::Credits(catalogue::REMOVE_BACKGROUND_CREDITS));
        }
    }

    #[test]
    fn price_table_prices_gpt_image_tiers(
        r in resolution(), q in quality(), n in 1u8..=4, price in 0u64..10_000,
    ) {
        let table = PriceTable::new().tier(Model::GptImage2, r, q, price).tier(Model::GptImage2Edit, r, q, price);
        let c = client();
        let est = artnex::pricing::estimate(
            &artnex::pricing::Billable::Generate { model: &Model::GptImage2, num_images: n, resolution: Some(r), quality: Some(q) },
            Some(&table),
        );
        prop_assert_eq!(est, Estimate::Credits(price * u64::from(n)));
        prop_assert_eq!(c.generate("p").model(Model::GptImage2).num_images(n).resolution(r).quality(q).estimate().unwrap(), Estimate::Varies);
        let edit = artnex::pricing::estimate(
            &artnex::pricing::Billable::Edit { model: &Model::GptImage2Edit, resolution: Some(r), quality: Some(q) },
            Some(&table),
        );
        prop_assert_eq!(edit, Estimate::Credits(price));
    }
}
