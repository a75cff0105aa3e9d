//! Fuzzes the Sigma condition parser and its DNF expansion.
//!
//! Input (lossy UTF-8): the first line is the condition, every further line one detection
//! identifier name (any text, empty names included), so patterns like `1 of sel*` and
//! `all of them` range over names the fuzzer chooses.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigsmith::lint::condition;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.split('\n');
    let cond = lines.next().unwrap_or_default();
    let names: Vec<&str> = lines.collect();
    match condition::parse(cond) {
        Ok(parsed) => {
            // Offsets must lie inside the condition and on char boundaries.
            condition::visit_refs(&parsed.expr, |e| {
                if let condition::Expr::Ident { span, .. } | condition::Expr::Of { span, .. } = e {
                    assert!(cond.get(span.clone()).is_some(), "bad span {span:?}");
                }
            });
            let _ = condition::has_negation(&parsed.expr);
            // The index the checks use agrees with the plain linear lookups.
            let mut idx = condition::IdentIndex::new(&names);
            condition::visit_refs(&parsed.expr, |e| match e {
                condition::Expr::Ident { name, .. } => {
                    assert_eq!(idx.get(name), names.iter().position(|n| n == name));
                }
                condition::Expr::Of { target, .. } => {
                    let slow = condition::of_matches(target, &names);
                    let fast = idx.of_matches(target);
                    assert!(fast.iter().all(|&i| slow.contains(&names[i])));
                    assert_eq!(fast.is_empty(), slow.is_empty());
                }
                _ => {}
            });
            if let Ok(dnf) = condition::to_dnf(&parsed.expr, &names) {
                assert!(dnf.len() <= condition::MAX_DNF_TERMS);
                for conj in &dnf {
                    assert!(conj.iter().all(|l| l.ident < names.len()));
                }
            }
        }
        Err(e) => assert!(e.offset <= cond.len(), "offset {} past end", e.offset),
    }
});
