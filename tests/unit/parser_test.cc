// The compound command language: round trip, canonical form, named types, and every error path.
#include <gtest/gtest.h>

#include "pictor/chain.h"
#include "pictor/config.h"

namespace pictor {
namespace {

Chain parse_ok(const std::string& text, const ParseOptions& options = {}) {
  auto chain = parse_chain(text, options);
  EXPECT_TRUE(chain.ok()) << text << " -> " << chain.status().ToString();
  return chain.ok() ? *chain : Chain{};
}

std::string canon(const std::string& text) { return to_canonical(parse_ok(text)); }

Status parse_error(const std::string& text, const ParseOptions& options = {}) {
  auto chain = parse_chain(text, options);
  EXPECT_FALSE(chain.ok()) << text << " parsed as " << (chain.ok() ? to_canonical(*chain) : "");
  return chain.status();
}

TEST(Parser, EveryOperationExampleRoundTrips) {
  ASSERT_GE(all_operations().size(), 11u);
  for (const OpDescriptor* op : all_operations()) {
    SCOPED_TRACE(op->name);
    const Chain first = parse_ok(op->example);
    const std::string canonical = to_canonical(first);
    const Chain second = parse_ok(canonical);
    EXPECT_EQ(first, second);
    EXPECT_EQ(canonical, to_canonical(second));
    EXPECT_EQ(first.ops.front().op().name, op->name);
  }
}

TEST(Parser, RoundTripOfCompoundChains) {
  for (const std::string text : {
           "resize:w=320,h=240,fit=cover/rotate:deg=90/format:type=webp,q=80",
           "crop:x=10,y=20,w=100,h=50/flip/flop/blur:sigma=0.7",
           "resize:w=100,dpr=2.5,enlarge=true/sharpen:sigma=1.25,flat=0.5,jagged=3",
           "resize:w=300,h=300,fit=contain,bg=ff000080/extend:left=3,bg=00ff00",
           "trim:threshold=12.5/rotate:deg=-33.3,bg=ffffff/format:type=png,palette=true,q=70",
           "resize:w=64,h=64,fit=cover,gravity=focal,fx=0.25,fy=0.75/format:type=jpeg,progressive=true,subsample=off",
           "autoorient/format:type=avif,effort=2,lossless=true,keep=icc_copyright",
       }) {
    SCOPED_TRACE(text);
    const Chain chain = parse_ok(text);
    const std::string canonical = to_canonical(chain);
    EXPECT_EQ(parse_ok(canonical), chain);
    EXPECT_EQ(to_canonical(parse_ok(canonical)), canonical);
  }
}

TEST(Parser, CanonicalFormSortsParametersAndDropsDefaults) {
  EXPECT_EQ(canon("resize:w=320,h=240,fit=cover"), "resize:fit=cover,h=240,w=320");
  EXPECT_EQ(canon("resize:h=240,w=320,fit=fit,enlarge=false,dpr=1"), "resize:h=240,w=320");
  EXPECT_EQ(canon("blur:sigma=1"), "blur");
  EXPECT_EQ(canon("blur:sigma=1.0"), "blur");
  EXPECT_EQ(canon("blur:sigma=2.50"), "blur:sigma=2.5");
  EXPECT_EQ(canon("format:subsample=auto,type=webp"), "format:type=webp");
  // Required parameters stay even when equal to the type's zero value.
  EXPECT_EQ(canon("rotate:deg=0"), "rotate:deg=0");
}

TEST(Parser, AliasesCanonicalise) {
  EXPECT_EQ(canon("resize:w=10,h=10,fit=crop"), "resize:fit=cover,h=10,w=10");
  EXPECT_EQ(canon("resize:w=10,h=10,fit=pad"), "resize:fit=contain,h=10,w=10");
  EXPECT_EQ(canon("resize:w=10,h=10,fit=inside"), "resize:h=10,w=10");
  EXPECT_EQ(canon("crop:w=5,h=5,gravity=center"), "crop:h=5,w=5");
  EXPECT_EQ(canon("crop:w=5,h=5,gravity=ne"), "crop:gravity=northeast,h=5,w=5");
  EXPECT_EQ(canon("format:type=jpg"), "format:type=jpeg");
  EXPECT_EQ(canon("format:type=jpeg,subsample=444"), "format:subsample=off,type=jpeg");
  EXPECT_EQ(canon("resize:w=10,enlarge=1"), "resize:enlarge=true,w=10");
}

TEST(Parser, ColoursAreCaseInsensitiveAndOpaqueAlphaIsDropped) {
  EXPECT_EQ(canon("extend:top=1,bg=FF8800"), "extend:bg=ff8800,top=1");
  EXPECT_EQ(canon("extend:top=1,bg=ff8800ff"), "extend:bg=ff8800,top=1");
  EXPECT_EQ(canon("extend:top=1,bg=ff880080"), "extend:bg=ff880080,top=1");
}

TEST(Parser, NamedTypesExpandToTheirChains) {
  EXPECT_EQ(canon("w320"), "resize:w=320");
  EXPECT_EQ(canon("h240"), "resize:h=240");
  EXPECT_EQ(canon("f320_240"), "resize:h=240,w=320");
  EXPECT_EQ(canon("ff320_240"), "resize:fit=cover,h=240,w=320");
  EXPECT_EQ(canon("s100"), "resize:fit=cover,h=100,w=100");
  EXPECT_EQ(canon("f320_240/format:type=webp"), "resize:h=240,w=320/format:type=webp");
  auto by_type = parse_type("ff500_300");
  ASSERT_TRUE(by_type.ok());
  EXPECT_EQ(to_canonical(*by_type), "resize:fit=cover,h=300,w=500");
}

TEST(Parser, NamedTypePatternsAreStrict) {
  for (const std::string text : {"w0320", "w", "f320", "f320_", "ff_240", "w320x", "s0", "w123456"}) {
    SCOPED_TRACE(text);
    EXPECT_EQ(parse_error(text).code(), ErrorCode::kUnknownOperation);
  }
  EXPECT_EQ(parse_type("resize").status().code(), ErrorCode::kUnknownType);
  EXPECT_EQ(parse_type("w0").status().code(), ErrorCode::kUnknownType);
  // A pattern whose numbers are out of range reports the range, naming the type.
  Status status = parse_error("w99999");
  EXPECT_EQ(status.code(), ErrorCode::kInvalidValue);
  EXPECT_NE(status.message().find("in type 'w99999'"), std::string::npos) << status.message();
  EXPECT_NE(status.message().find("1 to 16384"), std::string::npos) << status.message();
}

TEST(Parser, CustomTypesFromConfiguration) {
  auto config = parse_config(
      "[types]\navatar = \"resize:w=128,h=128,fit=cover/format:type=webp,q=70\"\n"
      "hero = \"w1200/sharpen\"\n",
      "test.toml");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  ParseOptions options{16, &config->types};
  EXPECT_EQ(to_canonical(parse_ok("avatar", options)), "resize:fit=cover,h=128,w=128/format:q=70,type=webp");
  EXPECT_EQ(to_canonical(parse_ok("hero/flip", options)), "resize:w=1200/sharpen/flip");
  EXPECT_EQ(to_canonical(*parse_type("avatar", options)), "resize:fit=cover,h=128,w=128/format:q=70,type=webp");
  // Without the configuration the name is unknown.
  EXPECT_EQ(parse_error("avatar").code(), ErrorCode::kUnknownOperation);
}

struct ErrorCase {
  std::string chain;
  ErrorCode code;
  std::string message_part;
};

TEST(Parser, EveryErrorPathNamesThePositionAndWhatWasExpected) {
  const std::vector<ErrorCase> cases = {
      {"", ErrorCode::kInvalidChain, "the chain is empty"},
      {"resize:w=10/", ErrorCode::kInvalidChain, "at position 12: empty operation"},
      {"resize:w=10//flip", ErrorCode::kInvalidChain, "at position 12: empty operation"},
      {"/flip", ErrorCode::kInvalidChain, "at position 0: empty operation"},
      {"rezise:w=10", ErrorCode::kUnknownOperation, "at position 0: unknown operation 'rezise'; expected one of: autoorient, blur"},
      {"flip/rotat:deg=9", ErrorCode::kUnknownOperation, "at position 5: unknown operation 'rotat'"},
      {"resize:", ErrorCode::kInvalidChain, "'resize:' has no parameters"},
      {"resize:w", ErrorCode::kInvalidChain, "at position 7: expected key=value in resize, got 'w'"},
      {"resize:=5", ErrorCode::kInvalidChain, "expected key=value"},
      {"resize:w=10,,h=5", ErrorCode::kInvalidChain, "at position 12: expected key=value in resize, got ''"},
      {"resize:wdth=10", ErrorCode::kUnknownParameter, "at position 7: resize has no parameter 'wdth'; expected one of: bg, dpr, enlarge, fit, fx, fy, gravity, h, w"},
      {"flip:x=1", ErrorCode::kUnknownParameter, "flip has no parameter 'x'; expected one of: (none"},
      {"resize:w=10,w=20", ErrorCode::kInvalidChain, "resize w given twice"},
      {"resize:w=0", ErrorCode::kInvalidValue, "resize w=0 is invalid: expected an integer from 1 to 16384"},
      {"resize:w=16385", ErrorCode::kInvalidValue, "expected an integer from 1 to 16384"},
      {"resize:w=-5", ErrorCode::kInvalidValue, "expected an integer from 1 to 16384"},
      {"resize:w=10.5", ErrorCode::kInvalidValue, "w=10.5 is invalid"},
      {"resize:w=+10", ErrorCode::kInvalidValue, "w=+10 is invalid"},
      {"resize:w=", ErrorCode::kInvalidValue, "w= is invalid"},
      {"resize:w=10,dpr=6", ErrorCode::kInvalidValue, "dpr=6 is invalid: expected a number from 1 to 5"},
      {"resize:w=10,dpr=nan", ErrorCode::kInvalidValue, "dpr=nan is invalid"},
      {"resize:w=10,dpr=inf", ErrorCode::kInvalidValue, "dpr=inf is invalid"},
      {"resize:w=10,dpr=1e400", ErrorCode::kInvalidValue, "dpr=1e400 is invalid"},
      {"resize:w=10,enlarge=yes", ErrorCode::kInvalidValue, "expected true, false, 1 or 0"},
      {"resize:w=10,h=10,fit=squash", ErrorCode::kInvalidValue, "expected one of contain, cover, fill, fit, force"},
      {"resize:w=10,h=10,fit=contain,bg=red", ErrorCode::kInvalidValue, "expected a hex colour rrggbb or rrggbbaa"},
      {"resize:w=10,h=10,fit=contain,bg=ff00zz", ErrorCode::kInvalidValue, "hex colour"},
      {"resize:fit=cover", ErrorCode::kMissingParameter, "resize needs w, h or both"},
      {"resize:w=10,fit=cover", ErrorCode::kMissingParameter, "resize fit=cover needs both w and h"},
      {"resize:w=10,bg=000000", ErrorCode::kInvalidValue, "resize bg applies only to fit=contain"},
      {"resize:w=10,gravity=north", ErrorCode::kInvalidValue, "resize gravity applies only to fit=cover"},
      {"crop:w=10", ErrorCode::kMissingParameter, "crop needs parameter h"},
      {"crop:w=10,h=10,x=5", ErrorCode::kMissingParameter, "crop box needs both x and y"},
      {"crop:w=10,h=10,x=5,y=5,gravity=north", ErrorCode::kInvalidValue, "either a box (x, y) or a gravity"},
      {"crop:w=10,h=10,x=-1,y=0", ErrorCode::kInvalidValue, "x=-1 is invalid"},
      {"rotate", ErrorCode::kMissingParameter, "rotate needs parameter deg"},
      {"rotate:deg=361", ErrorCode::kInvalidValue, "expected a number from -360 to 360"},
      {"extend", ErrorCode::kMissingParameter, "extend needs at least one of top, right, bottom, left"},
      {"format:type=bmp", ErrorCode::kInvalidValue, "expected one of avif, gif, heic, jpeg, png, webp"},
      {"format:type=webp/flip", ErrorCode::kInvalidChain, "at position 17: 'format' must be the last operation"},
      {"format:type=webp/format:type=png", ErrorCode::kInvalidChain, "'format' must be the last operation"},
      {"format:q=0", ErrorCode::kInvalidValue, "expected an integer from 1 to 100"},
      {"blur:sigma=0.1", ErrorCode::kInvalidValue, "expected a number from 0.3 to 500"},
  };
  for (const ErrorCase& c : cases) {
    SCOPED_TRACE(c.chain);
    Status status = parse_error(c.chain);
    EXPECT_EQ(status.code(), c.code) << status.ToString();
    EXPECT_NE(status.message().find(c.message_part), std::string::npos)
        << "message: " << status.message() << "\nexpected to contain: " << c.message_part;
  }
}

TEST(Parser, TooManyOperations) {
  std::string chain = "flip";
  for (int i = 1; i < 16; ++i) chain += "/flip";
  EXPECT_TRUE(parse_chain(chain).ok());
  Status status = parse_error(chain + "/flop");
  EXPECT_EQ(status.code(), ErrorCode::kTooManyOperations);
  EXPECT_NE(status.message().find("more than 16 operations"), std::string::npos);
  ParseOptions strict;
  strict.max_operations = 2;
  EXPECT_EQ(parse_error("flip/flop/flip", strict).code(), ErrorCode::kTooManyOperations);
  // Named types count by their expansion.
  EXPECT_EQ(parse_error("w10/w20/w30", strict).code(), ErrorCode::kTooManyOperations);
}

TEST(Parser, ParsedValuesAreTyped) {
  const Chain chain = parse_ok("resize:w=320,h=240,fit=cover,dpr=2,gravity=focal,fx=0.25");
  const OpArgs& args = chain.ops.front();
  EXPECT_EQ(args.get_int("w"), 320);
  EXPECT_EQ(args.get_int("h"), 240);
  EXPECT_EQ(args.get_enum("fit"), "cover");
  EXPECT_DOUBLE_EQ(args.get_float("dpr"), 2.0);
  EXPECT_DOUBLE_EQ(args.get_float("fx"), 0.25);
  EXPECT_DOUBLE_EQ(args.get_float("fy"), 0.5);  // default
  EXPECT_FALSE(args.get_bool("enlarge"));       // default
  EXPECT_EQ(args.get_color("bg"), (Color{255, 255, 255, 255}));
}

TEST(Descriptors, AreCompleteAndSorted) {
  std::string previous;
  for (const OpDescriptor* op : all_operations()) {
    EXPECT_LT(previous, op->name);
    previous = op->name;
    EXPECT_FALSE(op->doc.empty()) << op->name;
    EXPECT_FALSE(op->example.empty()) << op->name;
    std::string previous_key;
    for (const ParamSpec& p : op->params) {
      EXPECT_LT(previous_key, p.key) << op->name;
      previous_key = p.key;
      EXPECT_FALSE(p.doc.empty()) << op->name << "." << p.key;
      if (p.type == ParamType::kEnum) {
        EXPECT_FALSE(p.choices.empty());
      }
      if (p.type == ParamType::kInt || p.type == ParamType::kFloat) {
        EXPECT_LE(p.min, p.max);
      }
    }
  }
}

}  // namespace
}  // namespace pictor
