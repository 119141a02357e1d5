//! V3's hierarchy weights against Go itself: every input of
//! `tests/data/go-parsefloat.inputs.json` with the outcome Go's
//! `strconv.ParseFloat(w, 64)` then `<= 0` gave (`tests/data/go-parsefloat.json`,
//! written by `scripts/go/parsefloat.go`): specials, `_` separators, hex
//! floats and their range and underflow edges.

use transition_core::volcano::weight::{classify, classify_by_parsing, Weight};

fn data(name: &str) -> serde_json::Value {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn weight(outcome: &str) -> Weight {
    match outcome {
        "Positive" => Weight::Positive,
        "NotPositive" => Weight::NotPositive,
        "Syntax" => Weight::Syntax,
        "Range" => Weight::Range,
        other => panic!("unknown outcome {other}"),
    }
}

#[test]
fn weights_are_classified_as_go_parses_them() {
    let go = data("go-parsefloat.json");
    let cases = go["cases"].as_array().unwrap();
    let inputs = data("go-parsefloat.inputs.json");
    let written: Vec<&serde_json::Value> = cases.iter().map(|c| &c[0]).collect();
    assert_eq!(
        written,
        inputs.as_array().unwrap().iter().collect::<Vec<_>>(),
        "go-parsefloat.json is stale: rerun scripts/go/parsefloat.go"
    );
    let mut wrong = Vec::new();
    for case in cases {
        let (input, want) = (case[0].as_str().unwrap(), weight(case[1].as_str().unwrap()));
        if classify(input) != want {
            wrong.push(format!(
                "classify({input:?}) = {:?}, Go: {want:?}",
                classify(input)
            ));
        }
        if classify_by_parsing(input) != want {
            wrong.push(format!(
                "classify_by_parsing({input:?}) = {:?}, Go: {want:?}",
                classify_by_parsing(input)
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} cases:\n{}",
        wrong.len(),
        cases.len(),
        wrong.join("\n")
    );
}
