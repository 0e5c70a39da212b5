//! Every function a contract can reach is classified by the runtime library as metered or
//! constant-cost (`src/engine/runtime/80-inventory.js`): none does unmetered work because
//! nobody looked at it. A built-in a new V8 adds fails this test until it is classified.

use isovm::engine::{Engine, EngineOptions, Sandbox, spawn_sandbox_thread};

#[test]
fn every_reachable_builtin_is_classified() {
    let engine = Engine::new(EngineOptions::default()).unwrap();
    let unclassified = spawn_sandbox_thread("inventory".into(), move || {
        let mut sandbox = Sandbox::new(&engine).unwrap();
        sandbox.unclassified_builtins().unwrap()
    })
    .unwrap()
    .join()
    .unwrap();
    assert!(
        unclassified.is_empty(),
        "{} reachable functions are not classified:\n{}",
        unclassified.len(),
        unclassified.join("\n")
    );
}
