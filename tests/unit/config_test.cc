#include <gtest/gtest.h>
#include <stdlib.h>

#include <set>

#include "pictor/config.h"
#include "pictor/status.h"

namespace pictor {
namespace {

TEST(Config, DefaultsMatchTheDocumentedLimits) {
  auto config = load_config("");
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->limits.max_frame_pixels, 50'000'000u);
  EXPECT_EQ(config->limits.max_frames, 100u);
  EXPECT_EQ(config->limits.max_total_pixels, 400'000'000u);
  EXPECT_EQ(config->limits.max_input_bytes, 100u * 1024 * 1024);
  EXPECT_EQ(config->limits.max_output_pixels, 71'000'000u);
  EXPECT_EQ(config->limits.max_operations, 16u);
  EXPECT_TRUE(config->auto_orient);
}

TEST(Config, FileValuesAndEnvironmentOverrides) {
  auto config = parse_config("[limits]\nmax_frames = 7\nmax_operations = 4\n[engine]\nauto_orient = false\n", "t.toml");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->limits.max_frames, 7u);
  EXPECT_EQ(config->limits.max_operations, 4u);
  EXPECT_FALSE(config->auto_orient);

  ::setenv("PICTOR_LIMITS_MAX_FRAMES", "9", 1);
  auto overridden = parse_config("[limits]\nmax_frames = 7\n", "t.toml");
  ::unsetenv("PICTOR_LIMITS_MAX_FRAMES");
  ASSERT_TRUE(overridden.ok());
  EXPECT_EQ(overridden->limits.max_frames, 9u);

  ::setenv("PICTOR_LIMITS_MAX_FRAMES", "lots", 1);
  auto bad_env = parse_config("", "t.toml");
  ::unsetenv("PICTOR_LIMITS_MAX_FRAMES");
  EXPECT_EQ(bad_env.status().code(), ErrorCode::kConfigError);
}

TEST(Config, ServerSettingsFromTheFileAndTheEnvironment) {
  auto config = parse_config(
      "[server]\nlisten = \"0.0.0.0:9000\"\napi_keys = [\"a\", \"b\"]\npresets_only = true\n"
      "[cache]\nmemory_mb = 64\n[pyramid]\nlarge = 1024\n",
      "t.toml");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->server.listen, "0.0.0.0:9000");
  EXPECT_EQ(config->server.api_keys, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(config->server.presets_only);
  EXPECT_EQ(config->cache.memory_mb, 64);
  EXPECT_EQ(config->pyramid.large, 1024);
  ::setenv("PICTOR_SERVER_SIGNING_KEYS", "k1,k2", 1);
  ::setenv("PICTOR_SERVER_DATA", "/srv/pictor", 1);
  config = parse_config("", "env");
  ::unsetenv("PICTOR_SERVER_SIGNING_KEYS");
  ::unsetenv("PICTOR_SERVER_DATA");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->server.signing_keys, (std::vector<std::string>{"k1", "k2"}));
  EXPECT_EQ(config->server.data_dir, "/srv/pictor");
  // Every setting is documented with its environment name and default.
  const auto docs = describe_settings();
  auto it = std::find_if(docs.begin(), docs.end(), [](const SettingDoc& d) { return d.name == "cache.disk_mb"; });
  ASSERT_NE(it, docs.end());
  EXPECT_EQ(it->env, "PICTOR_CACHE_DISK_MB");
  EXPECT_EQ(it->fallback, "2048");
  for (const SettingDoc& d : docs) EXPECT_FALSE(d.help.empty()) << d.name;
}

TEST(Config, ErrorsNameTheSettingAndTheFile) {
  struct Case {
    std::string text, message_part;
  } cases[] = {
      {"[limits]\nmax_frams = 7\n", "t.toml: unknown setting limits.max_frams"},
      {"[limit]\nmax_frames = 7\n", "unknown setting limit.max_frames"},
      {"[limits]\nmax_frames = 0\n", "limits.max_frames = 0 is out of range 1..100000"},
      {"[limits]\nmax_frames = \"7\"\n", "limits.max_frames must be an integer"},
      {"[server]\npublic_reads = 1\n", "server.public_reads must be a boolean"},
      {"[server]\napi_keys = \"k\"\n", "server.api_keys must be a list of strings"},
      {"[server]\napi_keys = [\"k\", 3]\n", "server.api_keys must be a list of strings"},
      {"[server]\napi_keys = [\"\"]\n", "server.api_keys has an empty entry"},
      {"[server]\nlog_format = \"xml\"\n", "server.log_format = 'xml' is not one of json, text, off"},
      {"[server]\nlisten = 8080\n", "server.listen must be a string"},
      {"[limits\n", "t.toml:1:"},
      {"[types]\nw320 = \"resize:w=1\"\n", "types.w320: a type name is [a-z0-9_-]+ and may not be an operation or a built-in pattern"},
      {"[types]\nresize = \"flip\"\n", "may not be an operation"},
      {"[types]\nBig = \"flip\"\n", "a type name is [a-z0-9_-]+"},
      {"[types]\nthumb = \"resize:w=0\"\n", "types.thumb: invalid_value"},
      {"[types]\nthumb = 5\n", "types.thumb must be a chain string"},
      {"limits = 5\n", "'limits' must be a section"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    auto config = parse_config(c.text, "t.toml");
    ASSERT_FALSE(config.ok());
    EXPECT_EQ(config.status().code(), ErrorCode::kConfigError);
    EXPECT_NE(config.status().message().find(c.message_part), std::string::npos) << config.status().message();
  }
  EXPECT_EQ(load_config("/nonexistent/pictor.toml").status().code(), ErrorCode::kConfigError);
}

TEST(StatusTable, NamesAreStableAndUniqueAndStatusesAreErrors) {
  std::set<std::string_view> names;
  for (int i = 0; i <= static_cast<int>(ErrorCode::kInternal); ++i) {
    const auto code = static_cast<ErrorCode>(i);
    EXPECT_TRUE(names.insert(error_code_name(code)).second) << error_code_name(code);
    if (code == ErrorCode::kOk) continue;
    EXPECT_GE(http_status(code), 400);
    EXPECT_NE(exit_code(code), 0);
  }
  EXPECT_EQ(error_code_name(ErrorCode::kCorruptImage), "corrupt_image");
  EXPECT_EQ(http_status(ErrorCode::kInputTooLarge), 413);
  EXPECT_EQ(http_status(ErrorCode::kUnsupportedFormat), 415);
  EXPECT_EQ(http_status(ErrorCode::kInvalidChain), 400);
  EXPECT_EQ(http_status(ErrorCode::kTimeout), 503);
  EXPECT_EQ(Status(ErrorCode::kEmptyInput, "nothing").ToString(), "empty_input: nothing");
}

}  // namespace
}  // namespace pictor
