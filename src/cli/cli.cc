#include "cli/cli.h"

#include <CLI/CLI.hpp>

#include <iostream>

#include "cli/commands.h"
#include "cli/file_io.h"
#include "pictor/config.h"

namespace pictor::cli {

int run(int argc, char** argv) {
  CLI::App app{"Pictor: store, transform and understand photos."};
  app.require_subcommand(1);
  std::string config_path;
  app.add_option("--config", config_path, "TOML configuration file (limits, engine, custom types)");

  ConvertArgs convert;
  bool quiet = false;
  CLI::App* convert_cmd = app.add_subcommand(
      "convert", "Convert IN to OUT with a chain or a named type; a directory IN converts every file into OUT");
  convert_cmd->add_option("input", convert.input, "input file, directory, or - for standard input")->required();
  convert_cmd->add_option("output", convert.output, "output file, directory, or - for standard output")->required();
  convert_cmd->add_option("--cmd,-c", convert.chain, "chain, e.g. resize:w=320/format:type=webp");
  convert_cmd->add_option("--type,-t", convert.type, "named type: w320, h240, f320_240, ff320_240, s100 or custom");
  convert_cmd->add_option("--jobs,-j", convert.jobs, "parallel conversions in directory mode (default: cores)")
      ->check(CLI::Range(1, 256));
  convert_cmd->add_option("--timeout", convert.timeout_seconds, "seconds allowed per image (0 = no limit)")
      ->check(CLI::Range(0.0, 86400.0));
  convert_cmd->add_flag("--quiet,-q", quiet, "no progress bar");

  std::string ops_style = "text";
  bool ops_json = false, ops_markdown = false;
  CLI::App* ops_cmd = app.add_subcommand("ops", "List the operations with their parameters");
  ops_cmd->add_flag("--json", ops_json, "machine-readable descriptors");
  ops_cmd->add_flag("--markdown", ops_markdown, "the operations reference (docs/operations.md)");

  ServeArgs serve;
  CLI::App* serve_cmd = app.add_subcommand("serve", "Run the HTTP service (files + SQLite under --data)");
  serve_cmd->add_option("--listen", serve.listen, "HOST:PORT to listen on (port 0 picks a free port) [server.listen]");
  serve_cmd->add_option("--data", serve.data_dir, "data directory: originals, database, cache [server.data]");
  serve_cmd->add_option("--workers", serve.workers, "image worker threads, 0 = cores [server.workers]")->check(CLI::Range(0, 256));
  serve_cmd->add_option("--queue", serve.queue, "requests waiting for a worker before 429 [server.queue]")
      ->check(CLI::Range(1, 100000));
  serve_cmd->add_option("--timeout", serve.timeout_seconds, "seconds allowed per image request [server.timeout_ms]")
      ->check(CLI::Range(0.001, 3600.0));
  serve_cmd->footer(settings_help());

  WorkerArgs worker;
  CLI::App* worker_cmd = app.add_subcommand(
      "worker", "Run analysis jobs (POST /v1/analyses) from the queue in --data, beside or instead of pictor serve");
  worker_cmd->add_option("--data", worker.data_dir, "data directory shared with pictor serve [server.data]");
  worker_cmd->add_option("--workers", worker.workers, "analysis threads [jobs.workers]")->check(CLI::Range(1, 256));
  worker_cmd->footer(settings_help());

  UploadArgs upload;
  bool upload_quiet = false;
  CLI::App* upload_cmd = app.add_subcommand(
      "upload", "Upload files (directories recursively) to a Pictor server; skips files it already stores");
  upload_cmd->add_option("paths", upload.paths, "files and directories")->required();
  upload_cmd->add_option("--server,-s", upload.server, "server URL")->capture_default_str();
  upload_cmd->add_option("--key,-k", upload.key, "API key (default: $PICTOR_API_KEY)");
  upload_cmd->add_option("--tags", upload.tags, "comma-separated tags for every file");
  upload_cmd->add_option("--jobs,-j", upload.jobs, "parallel uploads")->check(CLI::Range(1, 64))->capture_default_str();
  upload_cmd->add_flag("--quiet,-q", upload_quiet, "no progress bar");

  SignArgs sign;
  CLI::App* sign_cmd = app.add_subcommand("sign", "Sign a URL path with the first of server.signing_keys");
  sign_cmd->add_option("target", sign.target, "path and query, e.g. '/v1/images/ID?type=w320'")->required();
  sign_cmd->add_option("--expires-in", sign.expires_in, "seconds the URL stays valid (default: no expiry)")
      ->check(CLI::Range(int64_t{1}, int64_t{100} * 365 * 86400));

  std::string chain_text;
  CLI::App* canon_cmd = app.add_subcommand("canon", "Print the canonical form of a chain");
  canon_cmd->add_option("chain", chain_text, "chain or named type")->required();

  std::string plan_input;
  CLI::App* plan_cmd = app.add_subcommand("plan", "Show the plan for a chain on an image, as JSON");
  plan_cmd->add_option("input", plan_input, "image file")->required();
  plan_cmd->add_option("--cmd,-c", chain_text, "chain or named type")->required();

  InfoArgs info;
  CLI::App* info_cmd = app.add_subcommand("info", "What an image is and contains (header, digests, JPEG quality...)");
  info_cmd->add_option("input", info.input, "image file, or - for standard input")->required();
  info_cmd->add_flag("--json", info.json, "one JSON object (the info API's shape) instead of key: value lines");
  info_cmd->add_option("--features", info.features, "comma-separated extractors to run (default: all; see docs/info.md)");
  info_cmd->add_flag("--raw", info.raw_tags, "also list every EXIF, IPTC and XMP tag (under each block's `raw` key)");

  SimilarArgs similar;
  CLI::App* similar_cmd = app.add_subcommand("similar", "How alike two images look: the PDQ Hamming distance (0 = same picture)");
  similar_cmd->add_option("first", similar.first, "image file")->required();
  similar_cmd->add_option("second", similar.second, "image file")->required();
  similar_cmd->add_flag("--json", similar.json, "PDQ, best rotation/flip and pHash distances with a match verdict");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "pictor: usage: " << e.what() << " (see pictor --help)\n";
    return 2;
  }

  auto config = load_config(config_path);
  if (!config.ok()) return report_error(config.status());
  if (*convert_cmd) {
    convert.progress = !quiet;
    return convert_command(convert, *config);
  }
  if (*serve_cmd) return serve_command(serve, *config);
  if (*sign_cmd) return sign_command(sign, *config);
  if (*worker_cmd) return worker_command(worker, *config);
  if (*upload_cmd) {
    upload.progress = !upload_quiet;
    return upload_command(upload);
  }
  if (*ops_cmd) return ops_command(ops_json ? "json" : ops_markdown ? "markdown" : "text");
  if (*canon_cmd) return canon_command(chain_text, *config);
  if (*plan_cmd) return plan_command(plan_input, chain_text, *config);
  if (*info_cmd) return info_command(info, *config);
  if (*similar_cmd) return similar_command(similar, *config);
  return 2;
}

}  // namespace pictor::cli
