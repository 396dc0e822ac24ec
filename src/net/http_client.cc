// Outgoing HTTP with libcurl: URL checks, fetch (GET with redirects) and post (callbacks).
//
// The address policy is enforced in CURLOPT_OPENSOCKETFUNCTION, i.e. on the resolved address of
// every connection curl opens (IPv4 or IPv6, every happy-eyeballs attempt), so DNS tricks cannot
// get past it. Redirects are followed here rather than by curl so that each target goes through
// check_url too, and so that one deadline covers the whole chain.
#include "net/http_client.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <mutex>
#include <optional>

namespace pictor::net {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

constexpr size_t kMaxUrlBytes = 2048;
constexpr size_t kExcerptBytes = 512;
constexpr size_t kMaxPostResponseBytes = 64 << 10;
constexpr const char* kUserAgent = "pictor/0.1";
constexpr const char* kProtocols = "http,https";

// curl_global_init is not thread-safe and fetch/post start on many threads.
void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct CurlDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
  void operator()(CURLU* url) const { curl_url_cleanup(url); }
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using Easy = std::unique_ptr<CURL, CurlDeleter>;
using Url = std::unique_ptr<CURLU, CurlDeleter>;
using Slist = std::unique_ptr<curl_slist, CurlDeleter>;

Status invalid(std::string message) {
  return {ErrorCode::kInvalidValue, std::move(message)};
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// A part of a parsed URL; nullopt when absent.
std::optional<std::string> url_part(CURLU* url, CURLUPart part) {
  char* value = nullptr;
  if (curl_url_get(url, part, &value, 0) != CURLUE_OK || value == nullptr) return std::nullopt;
  std::string out(value);
  curl_free(value);
  return out;
}

std::string address_text(const sockaddr* address) {
  char text[INET6_ADDRSTRLEN] = "?";
  if (address->sa_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(address)->sin_addr, text, sizeof text);
  } else if (address->sa_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr, text,
              sizeof text);
  }
  return text;
}

std::string forbidden_message(std::string_view address) {
  return fmt::format(
      "{} is a loopback, private, link-local or reserved address (not in net.allow_hosts)",
      address);
}

// The resolver (inet_aton) also reads "127.1", "0x7f.0.0.1" and "2130706433" as IPv4 addresses;
// refuse those as the dotted form would be.
bool refused_ipv4_spelling(const std::string& host, const AddressPolicy& policy) {
  if (host.find_first_not_of("0123456789abcdefx.") != std::string::npos) return false;
  sockaddr_in in{};
  if (inet_aton(host.c_str(), &in.sin_addr) == 0) return false;
  in.sin_family = AF_INET;
  return policy.refused(reinterpret_cast<const sockaddr*>(&in));
}

bool is_localhost_name(std::string_view host) {
  return host == "localhost" || host.ends_with(".localhost");
}

// The host part as curl returns it: lower case here, "[v6]" possibly with a "%zone".
Status check_host(std::string host, const AddressPolicy& policy) {
  host = lower(std::move(host));
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.find_first_of("%]") - 1);
  if (host.ends_with('.')) host.pop_back();  // "localhost." is still localhost
  if (host.empty()) return invalid("URL has no host");
  if (policy.refused(host) || refused_ipv4_spelling(host, policy)) {
    return {ErrorCode::kForbiddenAddress, "URL host " + forbidden_message(host)};
  }
  if (is_localhost_name(host) && policy.refused("127.0.0.1")) {
    return {ErrorCode::kForbiddenAddress, "URL host " + forbidden_message(host)};
  }
  return Status::Ok();
}

// Scheme and user info of a URL curl has parsed.
Status check_form(CURLU* parsed, std::string_view url) {
  const std::string scheme = lower(url_part(parsed, CURLUPART_SCHEME).value_or(""));
  if (scheme != "http" && scheme != "https") {
    return invalid(fmt::format("URL scheme \"{}\" is not allowed (http or https only)", scheme));
  }
  // curl also reads "http:/host" and "http:///host" as http://host; a URL that parsers disagree on
  // is the classic way past a filter, so only the form every parser reads the same way is accepted.
  const std::string_view rest = url.substr(scheme.size());
  if (!rest.starts_with("://") || rest.starts_with(":///")) {
    return invalid("URL must start with http:// or https://");
  }
  if (url_part(parsed, CURLUPART_USER) || url_part(parsed, CURLUPART_PASSWORD)) {
    return invalid("URL must not carry user:password@");
  }
  return Status::Ok();
}

// ---- Transfers ----

// State the callbacks of one transfer share. Callbacks run on the thread calling curl_easy_perform.
struct Transfer {
  const AddressPolicy* policy = nullptr;
  std::string refused_address;  // the first address the policy refused, for the error message
  char error[CURL_ERROR_SIZE] = {};
  // fetch: the body, bounded by max_bytes.
  std::vector<uint8_t> body;
  int64_t max_bytes = 0;
  // post: a prefix of the response for diagnostics, and how much was read.
  std::string excerpt;
  size_t received = 0;
  bool too_large = false;  // the write callback stopped the transfer
};

// Every connection curl opens comes through here, after name resolution.
curl_socket_t open_socket(void* data, curlsocktype, curl_sockaddr* address) {
  auto* transfer = static_cast<Transfer*>(data);
  const bool complete = (address->family == AF_INET && address->addrlen >= sizeof(sockaddr_in)) ||
                        (address->family == AF_INET6 && address->addrlen >= sizeof(sockaddr_in6));
  if (!complete || transfer->policy->refused(&address->addr)) {
    if (transfer->refused_address.empty()) transfer->refused_address = address_text(&address->addr);
    return CURL_SOCKET_BAD;  // curl tries the next address, else fails with CURLE_COULDNT_CONNECT
  }
  // CLOEXEC: the server may start processes; they must not inherit outgoing connections.
  return socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

// fetch: keeps the body; returning less than given makes curl stop with CURLE_WRITE_ERROR.
size_t keep_body(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const size_t bytes = size * count;
  if (static_cast<int64_t>(transfer->body.size() + bytes) > transfer->max_bytes) {
    transfer->too_large = true;
    return 0;
  }
  transfer->body.insert(transfer->body.end(), data, data + bytes);
  return bytes;
}

// post: keeps an excerpt and stops reading past kMaxPostResponseBytes.
size_t keep_excerpt(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const size_t bytes = size * count;
  const size_t room = kExcerptBytes - std::min(kExcerptBytes, transfer->excerpt.size());
  transfer->excerpt.append(data, std::min(room, bytes));
  transfer->received += bytes;
  if (transfer->received > kMaxPostResponseBytes) {
    transfer->too_large = true;
    return 0;
  }
  return bytes;
}

// Options every request shares: the policy hook, http(s) only, no proxy from the environment.
Easy new_handle(Transfer& transfer, curl_write_callback write) {
  init_curl_once();
  Easy curl(curl_easy_init());
  if (!curl) return curl;
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM for DNS timeouts: we are multi-threaded
  curl_easy_setopt(c, CURLOPT_USERAGENT, kUserAgent);
  curl_easy_setopt(c, CURLOPT_PROXY, "");  // ignore http_proxy & co.: the policy sees the real peer
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, kProtocols);
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, kProtocols);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, open_socket);
  curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, &transfer);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, transfer.error);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &transfer);
  return curl;
}

std::string curl_message(const Transfer& transfer, CURLcode rc) {
  return transfer.error[0] != '\0' ? transfer.error : curl_easy_strerror(rc);
}

long response_status(CURL* curl) {
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  return status;
}

// ---- fetch ----

struct Hop {
  long status = 0;
  std::string location;  // absolute redirect target, "" when the response is not a redirect
};

Status fetch_error(const Transfer& transfer, CURLcode rc, const std::string& url) {
  if (rc == CURLE_COULDNT_CONNECT && !transfer.refused_address.empty()) {
    return {ErrorCode::kForbiddenAddress,
            fmt::format("{}: connecting to {}", url, forbidden_message(transfer.refused_address))};
  }
  if (transfer.too_large || rc == CURLE_FILESIZE_EXCEEDED) {
    return {ErrorCode::kInputTooLarge,
            fmt::format("{}: the body is larger than {} bytes", url, transfer.max_bytes)};
  }
  if (rc == CURLE_OPERATION_TIMEDOUT) {
    return {ErrorCode::kTimeout, fmt::format("{}: {}", url, curl_message(transfer, rc))};
  }
  return {ErrorCode::kFetchFailed, fmt::format("{}: {}", url, curl_message(transfer, rc))};
}

Result<Hop> get_once(CURL* curl, Transfer& transfer, const std::string& url,
                     steady_clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<milliseconds>(deadline - steady_clock::now());
  if (left.count() <= 0) return Result<Hop>(ErrorCode::kTimeout, url + ": timed out");
  transfer.body.clear();
  transfer.error[0] = '\0';
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(left.count()));
  const CURLcode rc = curl_easy_perform(curl);
  if (rc != CURLE_OK) return fetch_error(transfer, rc, url);
  Hop hop{response_status(curl), ""};
  char* location = nullptr;
  if (hop.status / 100 == 3 &&
      curl_easy_getinfo(curl, CURLINFO_REDIRECT_URL, &location) == CURLE_OK &&
      location != nullptr) {
    hop.location = location;  // copied: curl's string dies with the next request
  }
  return hop;
}

// A redirect target must pass the same checks as the URL the client gave.
Status check_redirect(const std::string& target, const AddressPolicy& policy) {
  Status status = check_url(target, policy);
  if (status.ok() || status.code() == ErrorCode::kForbiddenAddress) return status;
  return {ErrorCode::kFetchFailed, fmt::format("redirect to {}: {}", target, status.message())};
}

// ---- post ----

bool has_line_break(std::string_view text) {
  return text.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

// "Name: value" lines; curl's own Content-Type (form-urlencoded) and Expect (a 1 s wait for
// 100-continue on large bodies) are suppressed. nullopt when a header could inject another.
std::optional<Slist> header_list(const std::vector<std::pair<std::string, std::string>>& headers) {
  Slist list;
  bool content_type = false;
  auto append = [&](const std::string& line) {
    curl_slist* head = curl_slist_append(list.get(), line.c_str());  // the same head once non-empty
    if (!list) list.reset(head);
  };
  for (const auto& [name, value] : headers) {
    if (name.empty() || has_line_break(name) || has_line_break(value) ||
        name.find(':') != std::string::npos) {
      return std::nullopt;
    }
    content_type = content_type || lower(name) == "content-type";
    append(value.empty() ? name + ";" : name + ": " + value);  // "Name;" is curl's empty header
  }
  if (!content_type) append("Content-Type:");
  append("Expect:");
  return list;
}

void describe_failure(PostOutcome& outcome, const Transfer& transfer, CURLcode rc,
                      milliseconds timeout) {
  if (rc == CURLE_COULDNT_CONNECT && !transfer.refused_address.empty()) {
    outcome.refused = true;
    outcome.error = "connecting to " + forbidden_message(transfer.refused_address);
  } else if (rc == CURLE_OPERATION_TIMEDOUT) {
    outcome.timed_out = true;
    outcome.error = fmt::format("timed out after {} ms", timeout.count());
  } else {
    outcome.error = curl_message(transfer, rc);
  }
}

}  // namespace

Status check_url(std::string_view url, const AddressPolicy& policy) {
  if (url.size() > kMaxUrlBytes) {
    return invalid(fmt::format("URL longer than {} bytes", kMaxUrlBytes));
  }
  if (std::any_of(url.begin(), url.end(), [](unsigned char c) { return c <= 0x20 || c == 0x7f; })) {
    return invalid("URL contains a space or a control character");
  }
  Url parsed(curl_url());
  if (!parsed) return {ErrorCode::kInternal, "out of memory"};
  // NON_SUPPORT_SCHEME: parse any scheme, so that "gopher:" gets our message rather than curl's.
  const CURLUcode rc =
      curl_url_set(parsed.get(), CURLUPART_URL, std::string(url).c_str(), CURLU_NON_SUPPORT_SCHEME);
  if (rc != CURLUE_OK) return invalid(fmt::format("not a valid URL: {}", curl_url_strerror(rc)));
  PICTOR_RETURN_IF_ERROR(check_form(parsed.get(), url));
  return check_host(url_part(parsed.get(), CURLUPART_HOST).value_or(""), policy);
}

Result<std::vector<uint8_t>> fetch(const std::string& url, const FetchLimits& limits,
                                   const AddressPolicy& policy) {
  PICTOR_RETURN_IF_ERROR(check_url(url, policy));
  Transfer transfer;
  transfer.policy = &policy;
  transfer.max_bytes = limits.max_bytes;
  Easy curl = new_handle(transfer, keep_body);
  if (!curl) return Result<std::vector<uint8_t>>(ErrorCode::kInternal, "curl_easy_init failed");
  curl_easy_setopt(curl.get(), CURLOPT_HTTPGET, 1L);
  // Refuses up front when Content-Length announces too much; keep_body catches the rest.
  if (limits.max_bytes > 0) {
    curl_easy_setopt(curl.get(), CURLOPT_MAXFILESIZE_LARGE,
                     static_cast<curl_off_t>(limits.max_bytes));
  }
  const auto deadline = steady_clock::now() + limits.timeout;
  std::string current = url;
  for (int redirects = 0;; ++redirects) {
    auto hop = get_once(curl.get(), transfer, current, deadline);
    if (!hop.ok()) return hop.status();
    if (hop->location.empty() && hop->status / 100 == 2) return std::move(transfer.body);
    if (hop->location.empty()) {
      return Result<std::vector<uint8_t>>(ErrorCode::kFetchFailed,
                                          fmt::format("{}: HTTP status {}", current, hop->status));
    }
    if (redirects == limits.max_redirects) {
      return Result<std::vector<uint8_t>>(
          ErrorCode::kFetchFailed,
          fmt::format("{}: more than {} redirects", url, limits.max_redirects));
    }
    PICTOR_RETURN_IF_ERROR(check_redirect(hop->location, policy));
    current = std::move(hop->location);
  }
}

PostOutcome post(const std::string& url,
                 const std::vector<std::pair<std::string, std::string>>& headers,
                 std::string_view body, milliseconds timeout, const AddressPolicy& policy) {
  PostOutcome outcome;
  if (Status checked = check_url(url, policy); !checked.ok()) {
    outcome.refused = true;
    outcome.error = checked.message();
    return outcome;
  }
  auto header_lines = header_list(headers);
  if (!header_lines) {
    outcome.refused = true;
    outcome.error = "a header name or value contains a line break, NUL or (in the name) ':'";
    return outcome;
  }
  Transfer transfer;
  transfer.policy = &policy;
  Easy curl = new_handle(transfer, keep_excerpt);
  if (!curl) {
    outcome.error = "curl_easy_init failed";
    return outcome;
  }
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, header_lines->get());
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  // Never a null pointer: with POSTFIELDS null curl would read the body from stdin.
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.empty() ? "" : body.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(std::max<int64_t>(1, timeout.count())));
  const CURLcode rc = curl_easy_perform(c);
  outcome.status = static_cast<int>(response_status(c));
  outcome.response_excerpt = std::move(transfer.excerpt);
  // Stopping at 64 KiB is our choice, not a failure: the status is what matters.
  if (rc != CURLE_OK && !(transfer.too_large && outcome.status != 0)) {
    describe_failure(outcome, transfer, rc, timeout);
  }
  return outcome;
}

}  // namespace pictor::net
