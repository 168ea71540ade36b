//! `resin build`: compiles a package and its dependencies, dependencies
//! first, into the package's `build/` folder:
//!
//! ```text
//! build/MODULE.rbc              the package's own modules
//! build/deps/PACKAGE/MODULE.rbc each dependency's modules
//! build/access.txt              the access set of every function of the package
//! ```

use std::io::Write;
use std::path::Path;

use resin_vm::Module;

use crate::cli::BuildArgs;
use crate::error::{CliError, CliResult};
use crate::output::stdout_error;

pub fn build(args: &BuildArgs) -> CliResult<()> {
    let package = crate::package::load(&args.path)?;
    let build = crate::package::join(&args.path, Path::new("build"));
    let mut out = std::io::stdout().lock();
    // Everything compiles before anything is written: a build that fails
    // leaves build/ as the last good one left it.
    let mut deps: Vec<Module> = Vec::new();
    let mut compiled = Vec::new();
    for p in package.build_order() {
        writeln!(out, "compiling {} {} ({})", p.name(), p.manifest.version, p.dir.display()).map_err(stdout_error)?;
        let result = p.compile_against(&deps)?;
        write!(out, "{}", result.warnings).map_err(stdout_error)?;
        deps.extend(result.modules.iter().cloned());
        compiled.push((p, result));
    }
    for (p, result) in compiled {
        let own = p.canonical == package.canonical;
        let dir = if own { build.clone() } else { build.join("deps").join(p.name()) };
        write_modules(&result.modules, &dir, &mut out)?;
        if own {
            let path = build.join("access.txt");
            std::fs::write(&path, &result.access).map_err(|e| CliError::io(&path, e))?;
            writeln!(out, "wrote {}", path.display()).map_err(stdout_error)?;
        }
    }
    Ok(())
}

/// Writes each module to `dir` as `NAME.rbc` (`ADDRESS_NAME.rbc` when two
/// share a name) and says so.
fn write_modules(modules: &[Module], dir: &Path, out: &mut dyn Write) -> CliResult<()> {
    std::fs::create_dir_all(dir).map_err(|e| CliError::io(dir, e))?;
    for (module, name) in modules.iter().zip(super::build::rbc_names(modules)) {
        let path = dir.join(name);
        std::fs::write(&path, crate::compiler::encode(module)).map_err(|e| CliError::io(&path, e))?;
        let id = module.self_id().map(ToString::to_string).unwrap_or_default();
        writeln!(out, "wrote {} ({id})", path.display()).map_err(stdout_error)?;
    }
    Ok(())
}
