//! The check program of `xtask/tests/pickup.rs`, installed as `crates/pickup-check/src/lib.rs` in a
//! scratch copy of the workspace whose `spec/artnex.yaml` gained a model, an error code and a longer TTS
//! text limit, and whose generated files were then regenerated. Nothing else in the copy was edited: these
//! tests pass only if the SDK (`artnex`) and the simulator (`artnex-mock`) picked the three changes up from
//! the generated `artnex-facts` and clients.
//!
//! `expected.rs` is written next to this file by the harness: the values it put in the spec.

#[cfg(test)]
mod expected;

#[cfg(test)]
mod tests {
    use artnex::catalogue::{self, Credits, Kind};
    use artnex::pricing::Estimate;
    use artnex::{Client, ErrorCode, Model};
    use artnex_facts::OperationId;
    use artnex_mock::{DEFAULT_KEY, LedgerKind, MockServer};

    use crate::expected::*;

    /// A TTS text length between the old and the new limit: refused before the change, accepted after.
    const BETWEEN_THE_LIMITS: usize = (TTS_OLD_MAX_CHARS + TTS_MAX_CHARS) / 2;

    /// A client for estimates and validation only (nothing listens on this address).
    fn offline_client() -> Client {
        Client::builder()
            .api_key("sk-pickup-check")
            .base_url("http://127.0.0.1:9")
            .build()
            .expect("a loopback client")
    }

    #[test]
    fn the_sdk_knows_the_new_model_and_its_price() {
        let model = Model::from_id(MODEL);
        assert!(
            !matches!(model, Model::Other(_)),
            "{MODEL} is not in the SDK's catalogue: {model:?}"
        );
        let info = catalogue::lookup(MODEL).expect("the new model is in the catalogue");
        assert_eq!(info.kind, Kind::Image);
        assert_eq!(info.credits, Credits::Fixed(MODEL_CREDITS));
        assert!(catalogue::models(Kind::Image).any(|m| m.id == MODEL));

        let client = offline_client();
        let one = client.generate("a red fox").model(model.clone());
        assert_eq!(one.estimate(), Ok(Estimate::Credits(MODEL_CREDITS)));
        let two = client.generate("a red fox").model(model).num_images(2);
        assert_eq!(two.estimate(), Ok(Estimate::Credits(2 * MODEL_CREDITS)));
    }

    #[test]
    fn the_sdk_knows_the_new_error_code() {
        let code = ErrorCode::from_code(CODE);
        assert!(
            !matches!(code, ErrorCode::Unknown(_)),
            "{CODE} is not a known ErrorCode: {code:?}"
        );
        assert_eq!(code.as_str(), CODE);
        assert_eq!(code.statuses(), &[CODE_STATUS]);
        assert_eq!(code.description(), Some(CODE_CAUSE));
        assert!(ErrorCode::ALL.contains(&code));
    }

    #[test]
    fn the_sdk_validates_tts_text_against_the_new_limit() {
        assert_eq!(
            artnex::facts::TEXT_TO_SPEECH_TEXT_MAX_CHARS.enforced(),
            Some(TTS_MAX_CHARS)
        );
        let client = offline_client();
        for len in [BETWEEN_THE_LIMITS, TTS_MAX_CHARS] {
            let request = client.tts("a".repeat(len));
            assert!(request.validate().is_ok(), "{len} characters refused");
        }
        let too_long = client.tts("a".repeat(TTS_MAX_CHARS + 1)).validate();
        let err = too_long.expect_err("one character over the new limit");
        assert_eq!(err.code, Some(ErrorCode::TextTooLong), "{err}");
        assert!(err.message.contains(&TTS_MAX_CHARS.to_string()), "{err}");
    }

    #[test]
    fn the_simulators_facts_list_the_new_error_code() {
        // The simulator answers a listed code at the status its operation lists it with, read from
        // `OperationInfo::error_codes` (artnex-mock's `facts::listed_status`); a new code names a new
        // condition, which only new simulator code can provoke, so the listing is what is checked here.
        let listed = OperationId::GenerateImage.info().error_codes;
        assert!(
            listed.contains(&(CODE_STATUS, CODE)),
            "{CODE} not listed for generate_image: {listed:?}"
        );
        let row = artnex_facts::ERROR_CODES
            .iter()
            .find(|e| e.code == CODE)
            .expect("the new code is in ERROR_CODES");
        assert_eq!(row.statuses, &[CODE_STATUS]);
    }

    /// The simulator, fast, with an SDK client for its default key.
    async fn simulator() -> (MockServer, Client) {
        let mock = MockServer::builder()
            .speed(1000.0)
            .start()
            .await
            .expect("simulator");
        let client = Client::builder()
            .api_key(DEFAULT_KEY)
            .base_url(mock.base_url())
            .build()
            .expect("client");
        (mock, client)
    }

    #[tokio::test]
    async fn the_simulator_accepts_the_new_model_and_charges_its_price() {
        let (mock, client) = simulator().await;
        let images = client
            .generate("a red fox")
            .model(Model::from_id(MODEL))
            .await
            .expect("the simulator accepts the new model");
        assert_eq!(images.images.len(), 1);
        assert_eq!(images.credits_used, Some(MODEL_CREDITS));
        assert_eq!(mock.total_charged(DEFAULT_KEY), MODEL_CREDITS);
        let ledger = mock.ledger(DEFAULT_KEY);
        let entries: Vec<_> = ledger
            .iter()
            .map(|e| (e.kind, e.endpoint.as_str(), e.credits))
            .collect();
        assert_eq!(
            entries,
            [(LedgerKind::Charge, "/v1/generate", MODEL_CREDITS)]
        );
        mock.shutdown().await;
    }

    #[tokio::test]
    async fn the_simulator_takes_tts_text_up_to_the_new_limit() {
        let (mock, client) = simulator().await;
        // The simulator's own check, without the SDK's in front of it: the new limit exactly.
        let http = reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("an HTTP client");
        let tts = format!("{}/v1/tts", mock.base_url());
        for (len, status) in [(TTS_MAX_CHARS, 200), (TTS_MAX_CHARS + 1, 400)] {
            let resp = http
                .post(&tts)
                .bearer_auth(DEFAULT_KEY)
                .json(&serde_json::json!({"text": "a".repeat(len)}))
                .send()
                .await
                .expect("simulator answers");
            let got = resp.status().as_u16();
            let body: serde_json::Value = resp.json().await.expect("a JSON body");
            assert_eq!(got, status, "{len} characters: {body}");
            if status == 400 {
                assert_eq!(body["error"], "text_too_long", "{body}");
            }
        }

        // A text between the old and the new limit goes through the SDK and the simulator.
        let speech = client
            .tts("a".repeat(BETWEEN_THE_LIMITS))
            .await
            .expect("the simulator accepts the longer text");
        assert!(speech.credits_used.is_some());
        mock.shutdown().await;
    }
}
