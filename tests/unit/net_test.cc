// Outgoing HTTP: the address policy, URL checks, and fetch/post against a real loopback server.
#include <arpa/inet.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <thread>

#include "net/http_client.h"

namespace pictor::net {
namespace {

using namespace std::chrono_literals;

// ---- A tiny HTTP/1.1 server: one thread per connection, canned answers by path, Connection:
// close.

struct Request {
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case, in order
  std::string body;

  std::vector<std::string> values(std::string_view name) const {
    std::vector<std::string> out;
    for (const auto& [n, v] : headers) {
      if (n == name) out.push_back(v);
    }
    return out;
  }
};

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::optional<Request> parse_head(const std::string& head) {
  Request request;
  size_t line_end = head.find("\r\n");
  const std::string first = head.substr(0, line_end);
  const size_t space = first.find(' ');
  if (space == std::string::npos) return std::nullopt;
  request.method = first.substr(0, space);
  request.target = first.substr(space + 1, first.find(' ', space + 1) - space - 1);
  while (line_end != std::string::npos && line_end + 2 < head.size()) {
    const size_t start = line_end + 2;
    line_end = head.find("\r\n", start);
    const std::string line = head.substr(start, line_end - start);
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    const size_t value = line.find_first_not_of(' ', colon + 1);
    request.headers.emplace_back(lower(line.substr(0, colon)),
                                 value == std::string::npos ? "" : line.substr(value));
  }
  return request;
}

bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t sent = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (sent <= 0) return false;
    data.remove_prefix(static_cast<size_t>(sent));
  }
  return true;
}

std::string response(int status, std::string_view body) {
  return fmt::format("HTTP/1.1 {} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}", status,
                     body.size(), body);
}

std::string redirect(std::string_view location) {
  return fmt::format(
      "HTTP/1.1 302 Found\r\nLocation: {}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
      location);
}

// Bytes 0..255 twice: NULs, CR/LF and high bytes must come back unchanged.
std::string ok_body() {
  std::string body;
  for (int round = 0; round < 2; ++round) {
    for (int b = 0; b < 256; ++b) body.push_back(static_cast<char>(b));
  }
  return body;
}

class TestServer {
 public:
  // AF_INET listens on 0.0.0.0 (so 127.0.0.2 reaches it too); AF_INET6 on [::1] only.
  explicit TestServer(int family = AF_INET) {
    fd_ = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0 || !bind_and_listen(family)) {
      if (fd_ >= 0) ::close(fd_);
      fd_ = -1;
      return;
    }
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  ~TestServer() {
    stop_ = true;
    if (acceptor_.joinable()) acceptor_.join();
    if (fd_ >= 0) ::close(fd_);
    std::lock_guard lock(mutex_);
    for (auto& handler : handlers_) handler.join();
  }

  bool ok() const { return fd_ >= 0; }
  int port() const { return port_; }
  int connections() const { return connections_; }
  std::string url(std::string_view path, std::string_view host = "127.0.0.1") const {
    return fmt::format("http://{}:{}{}", host, port_, path);
  }
  std::vector<Request> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  bool bind_and_listen(int family) {
    const int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_storage storage{};
    socklen_t length = 0;
    if (family == AF_INET6) {
      ::setsockopt(fd_, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
      auto* in6 = reinterpret_cast<sockaddr_in6*>(&storage);
      in6->sin6_family = AF_INET6;
      in6->sin6_addr = in6addr_loopback;
      length = sizeof *in6;
    } else {
      auto* in = reinterpret_cast<sockaddr_in*>(&storage);
      in->sin_family = AF_INET;
      in->sin_addr.s_addr = htonl(INADDR_ANY);
      length = sizeof *in;
    }
    auto* address = reinterpret_cast<sockaddr*>(&storage);
    if (::bind(fd_, address, length) != 0 || ::listen(fd_, 64) != 0) return false;
    if (::getsockname(fd_, address, &length) != 0) return false;
    port_ = ntohs(family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port
                                     : reinterpret_cast<sockaddr_in*>(&storage)->sin_port);
    return true;
  }

  void accept_loop() {
    while (!stop_) {
      pollfd ready{fd_, POLLIN, 0};
      if (::poll(&ready, 1, 20) <= 0) continue;
      const int client = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) continue;
      ++connections_;
      std::lock_guard lock(mutex_);
      handlers_.emplace_back([this, client] {
        serve(client);
        ::close(client);
      });
    }
  }

  void serve(int fd) {
    const timeval two_seconds{2, 0};  // a stuck client cannot hold a handler (or the test) forever
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &two_seconds, sizeof two_seconds);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &two_seconds, sizeof two_seconds);
    auto request = read_request(fd);
    if (!request) return;
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(*request);
    }
    respond(fd, request->target);
  }

  static std::optional<Request> read_request(int fd) {
    std::string data;
    char chunk[4096];
    size_t head_end;
    while ((head_end = data.find("\r\n\r\n")) == std::string::npos) {
      const ssize_t got = ::recv(fd, chunk, sizeof chunk, 0);
      if (got <= 0 || data.size() > (1 << 20)) return std::nullopt;
      data.append(chunk, static_cast<size_t>(got));
    }
    auto request = parse_head(data.substr(0, head_end + 2));
    if (!request) return std::nullopt;
    const auto length = request->values("content-length");
    const size_t wanted = length.empty() ? 0 : std::stoul(length.front());
    request->body = data.substr(head_end + 4);
    while (request->body.size() < wanted) {
      const ssize_t got = ::recv(fd, chunk, sizeof chunk, 0);
      if (got <= 0) return std::nullopt;
      request->body.append(chunk, static_cast<size_t>(got));
    }
    return request;
  }

  void respond(int fd, const std::string& path) {
    if (path == "/ok") {
      send_all(fd, response(200, ok_body()));
    } else if (path == "/redirect") {
      send_all(fd, redirect("/ok"));
    } else if (path.starts_with("/chain/")) {
      const int left = std::stoi(path.substr(7));
      send_all(fd, left > 0 ? redirect(fmt::format("/chain/{}", left - 1)) : response(200, "end"));
    } else if (path == "/to-other-loopback") {
      send_all(fd, redirect(fmt::format("http://127.0.0.2:{}/ok", port_)));
    } else if (path == "/to-metadata") {
      send_all(fd, redirect("http://169.254.169.254/latest/meta-data"));
    } else if (path == "/to-ftp") {
      send_all(fd, redirect("ftp://example.com/file"));
    } else if (path == "/endless") {
      stream_endless(fd);
    } else if (path == "/announced-big") {
      send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 100000000\r\nConnection: close\r\n\r\n0123");
    } else if (path == "/slow" || path == "/hook-slow") {
      wait_or_stop(3s);
      send_all(fd, response(200, "late"));
    } else if (path == "/fail" || path == "/hook-500") {
      send_all(fd, response(500, "boom"));
    } else if (path == "/hook") {
      send_all(fd, response(200, "accepted"));
    } else if (path == "/hook-redirect") {
      send_all(fd, redirect("/hook"));
    } else if (path == "/hook-big") {
      send_all(fd, response(200, std::string(200000, 'x')));
    } else {
      send_all(fd, response(404, "no such route"));
    }
  }

  // No Content-Length: the body ends when the connection does, which here is never (until the
  // client gives up, or 1 GiB, or the server stops).
  void stream_endless(int fd) {
    if (!send_all(fd, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")) return;
    const std::string chunk(16384, 'z');
    for (size_t sent = 0; !stop_ && sent < (1u << 30); sent += chunk.size()) {
      if (!send_all(fd, chunk)) return;
    }
  }

  void wait_or_stop(std::chrono::milliseconds wait) {
    const auto until = std::chrono::steady_clock::now() + wait;
    while (!stop_ && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(10ms);
  }

  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::thread acceptor_;
  mutable std::mutex mutex_;
  std::vector<std::thread> handlers_;
  std::vector<Request> requests_;
};

AddressPolicy policy_of(const std::vector<std::string>& allow) {
  auto policy = AddressPolicy::parse(allow);
  EXPECT_TRUE(policy.ok()) << policy.status().ToString();
  return policy.ok() ? *policy : AddressPolicy();
}

// A loopback port nobody listens on: bound (so nobody else takes it) but not listening.
struct ClosedPort {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int port = 0;
  explicit ClosedPort(int wanted = 0) {
    sockaddr_in in{};
    in.sin_family = AF_INET;
    in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    in.sin_port = htons(static_cast<uint16_t>(wanted));
    socklen_t length = sizeof in;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&in), length) != 0) return;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&in), &length);
    port = ntohs(in.sin_port);
  }
  ~ClosedPort() { ::close(fd); }
};

// ---- AddressPolicy

TEST(NetPolicy, ClassifiesAddressLiterals) {
  const AddressPolicy none;
  for (const char* refused : {"127.0.0.1",
                              "127.255.255.254",
                              "0.0.0.0",
                              "0.1.2.3",
                              "10.0.0.1",
                              "10.255.255.255",
                              "100.64.0.1",
                              "100.127.255.255",
                              "169.254.169.254",
                              "172.16.0.1",
                              "172.31.255.255",
                              "192.168.1.1",
                              "192.0.0.8",
                              "198.18.0.1",
                              "198.19.255.255",
                              "192.0.2.1",
                              "224.0.0.1",
                              "239.255.255.250",
                              "240.0.0.1",
                              "255.255.255.255",
                              "::",
                              "::1",
                              "::ffff:127.0.0.1",
                              "::ffff:10.0.0.1",
                              "::ffff:8.8.8.8",
                              "::127.0.0.1",
                              "64:ff9b::a00:1",
                              "fc00::1",
                              "fd00::2",
                              "fe80::1",
                              "febf::1",
                              "fec0::1",
                              "ff02::1",
                              "2001:db8::1",
                              "2002:7f00:1::1"}) {
    EXPECT_TRUE(none.refused(refused)) << refused;
  }
  for (const char* allowed :
       {"8.8.8.8", "1.1.1.1", "172.32.0.1", "172.15.255.255", "100.63.255.255", "100.128.0.1",
        "169.253.0.1", "192.169.0.1", "198.20.0.1", "11.0.0.1", "223.255.255.255",
        "2001:4860:4860::8888", "2606:4700:4700::1111"}) {
    EXPECT_FALSE(none.refused(allowed)) << allowed;
  }
  // Not IP literals: nothing to say about them here (check_url and the connect hook handle names).
  EXPECT_FALSE(none.refused("example.com"));
  EXPECT_FALSE(none.refused(""));
  EXPECT_FALSE(none.refused("fe80::1%eth0"));
}

TEST(NetPolicy, AllowListAllowsExactlyItsEntries) {
  const AddressPolicy policy = policy_of({"127.0.0.1", "10.0.0.0/8", "fd00::/8"});
  EXPECT_FALSE(policy.refused("127.0.0.1"));
  EXPECT_TRUE(policy.refused("127.0.0.2"));
  EXPECT_FALSE(policy.refused("10.0.0.1"));
  EXPECT_FALSE(policy.refused("10.255.255.255"));
  EXPECT_FALSE(policy.refused("11.0.0.0"));  // public anyway
  EXPECT_TRUE(policy.refused("192.168.0.1"));
  EXPECT_TRUE(policy.refused("169.254.169.254"));
  EXPECT_FALSE(policy.refused("fd00::2"));
  EXPECT_TRUE(policy.refused("fc00::1"));
  EXPECT_TRUE(policy.refused("::1"));
  // Families are separate: the IPv4 entry does not open its IPv4-mapped IPv6 spelling.
  EXPECT_TRUE(policy.refused("::ffff:127.0.0.1"));
  EXPECT_TRUE(policy.refused("::ffff:10.0.0.1"));
  EXPECT_FALSE(policy_of({"::1"}).refused("::1"));
  EXPECT_TRUE(policy_of({"::1"}).refused("127.0.0.1"));
  EXPECT_FALSE(policy_of({"0.0.0.0/0"}).refused("127.0.0.1"));
  EXPECT_FALSE(policy_of({"172.16.0.0/13"}).refused("172.23.255.255"));
  EXPECT_TRUE(policy_of({"172.16.0.0/13"}).refused("172.24.0.0"));
}

TEST(NetPolicy, ParseErrorsNameTheEntry) {
  for (const char* bad : {"10.0.0.0/33", "not-an-ip", "", "::1/129", "10.0.0.0/", "10.0.0.0/8x",
                          "10.0.0.0/-1", "10.0.0", "[::1]", " 10.0.0.1", "localhost"}) {
    auto policy = AddressPolicy::parse({"127.0.0.1", bad});
    ASSERT_FALSE(policy.ok()) << bad;
    EXPECT_EQ(policy.status().code(), ErrorCode::kConfigError);
    EXPECT_NE(policy.status().message().find(fmt::format("\"{}\"", bad)), std::string::npos)
        << policy.status().message();
  }
  EXPECT_TRUE(AddressPolicy::parse({}).ok());
  EXPECT_TRUE(AddressPolicy::parse({"10.0.0.0/8", "::/0", "1.2.3.4/0", "fe80::1/128"}).ok());
}

TEST(NetPolicy, ClassifiesSocketAddresses) {
  const AddressPolicy none;
  sockaddr_in in{};
  in.sin_family = AF_INET;
  inet_pton(AF_INET, "169.254.169.254", &in.sin_addr);
  EXPECT_TRUE(none.refused(reinterpret_cast<sockaddr*>(&in)));
  inet_pton(AF_INET, "93.184.216.34", &in.sin_addr);
  EXPECT_FALSE(none.refused(reinterpret_cast<sockaddr*>(&in)));
  sockaddr_in6 in6{};
  in6.sin6_family = AF_INET6;
  in6.sin6_addr = in6addr_loopback;
  EXPECT_TRUE(none.refused(reinterpret_cast<sockaddr*>(&in6)));
  EXPECT_FALSE(policy_of({"::1"}).refused(reinterpret_cast<sockaddr*>(&in6)));
  sockaddr unix_socket{};
  unix_socket.sa_family = AF_UNIX;
  EXPECT_TRUE(policy_of({"0.0.0.0/0", "::/0"}).refused(&unix_socket));
}

// ---- check_url

TEST(NetCheckUrl, RefusesOtherSchemesCredentialsAndMalformedUrls) {
  const AddressPolicy none;
  for (const char* bad :
       {"ftp://example.com/a.jpg", "file:///etc/passwd", "gopher://example.com/", "dict://x/",
        "http://user:pw@example.com/", "https://user@example.com/", "http://:pw@example.com/",
        "example.com/a.jpg", "http://", "http:///a.jpg", "http:/a.jpg", "http:a.jpg",
        "http:\\\\a.jpg", "http://exa mple.com/", "http://a.com/\r\nX: y", "http://a.com/\t", "",
        "http://a.com:99999/", "javascript:alert(1)"}) {
    const Status status = check_url(bad, none);
    EXPECT_EQ(status.code(), ErrorCode::kInvalidValue) << bad << " -> " << status.ToString();
  }
  EXPECT_EQ(check_url("https://example.com/" + std::string(2100, 'a'), none).code(),
            ErrorCode::kInvalidValue);
  EXPECT_TRUE(check_url("https://example.com/" + std::string(2000, 'a'), none).ok());
}

TEST(NetCheckUrl, RefusesForbiddenHosts) {
  const AddressPolicy none;
  for (const char* bad :
       {"http://[::1]:80/", "http://169.254.169.254/latest/meta-data", "http://localhost:8080/",
        "http://LOCALHOST/", "http://localhost./", "http://api.localhost/", "http://127.0.0.1/",
        "http://127.1/", "http://2130706433/", "http://0x7f.0.0.1/", "http://017700000001/",
        "http://0/", "http://[::ffff:127.0.0.1]/", "http://[fe80::1%25eth0]/",
        "http://10.1.2.3:8080/x", "https://[fd00::2]/", "http://192.168.0.1./"}) {
    const Status status = check_url(bad, none);
    EXPECT_EQ(status.code(), ErrorCode::kForbiddenAddress) << bad << " -> " << status.ToString();
  }
  const Status metadata = check_url("http://169.254.169.254/latest/meta-data", none);
  EXPECT_NE(metadata.message().find("169.254.169.254"), std::string::npos) << metadata.message();
}

TEST(NetCheckUrl, AcceptsPublicAndAllowedUrls) {
  const AddressPolicy none;
  for (const char* good :
       {"https://example.com/a.jpg", "http://example.com", "HTTPS://Example.COM/x?y=1#z",
        "http://8.8.8.8:8080/a", "http://[2001:4860:4860::8888]/", "http://localhostx.com/",
        "http://my-localhost/"}) {
    EXPECT_TRUE(check_url(good, none).ok()) << good << " -> " << check_url(good, none).ToString();
  }
  const AddressPolicy loopback = policy_of({"127.0.0.1"});
  EXPECT_TRUE(check_url("http://127.0.0.1:8080/", loopback).ok());
  EXPECT_TRUE(check_url("http://localhost:8080/", loopback).ok());
  EXPECT_EQ(check_url("http://127.0.0.2/", loopback).code(), ErrorCode::kForbiddenAddress);
  EXPECT_EQ(check_url("http://[::1]/", loopback).code(), ErrorCode::kForbiddenAddress);
}

// ---- fetch

class NetFetch : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.ok()) << "cannot start the loopback server"; }
  Result<std::vector<uint8_t>> get(std::string_view path, FetchLimits limits = quick()) {
    return fetch(server_.url(path), limits, loopback_);
  }
  static FetchLimits quick() {
    FetchLimits limits;
    limits.timeout = 5s;
    return limits;
  }
  static std::string text(const std::vector<uint8_t>& bytes) {
    return {bytes.begin(), bytes.end()};
  }

  TestServer server_;
  const AddressPolicy loopback_ = policy_of({"127.0.0.1"});
};

TEST_F(NetFetch, ReturnsTheExactBytes) {
  auto body = get("/ok");
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  EXPECT_EQ(text(*body), ok_body());
  const auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].values("user-agent"), std::vector<std::string>{"pictor/0.1"});
}

TEST_F(NetFetch, FollowsRedirectsUpToTheLimit) {
  auto one = get("/redirect");
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  EXPECT_EQ(text(*one), ok_body());
  auto five = get("/chain/5");
  ASSERT_TRUE(five.ok()) << five.status().ToString();
  EXPECT_EQ(text(*five), "end");
  FetchLimits none = quick();
  none.max_redirects = 0;
  EXPECT_EQ(get("/redirect", none).status().code(), ErrorCode::kFetchFailed);
}

TEST_F(NetFetch, MoreRedirectsThanAllowedFail) {
  auto six = get("/chain/6");
  ASSERT_FALSE(six.ok());
  EXPECT_EQ(six.status().code(), ErrorCode::kFetchFailed);
  EXPECT_NE(six.status().message().find("redirects"), std::string::npos) << six.status().message();
  EXPECT_EQ(server_.requests().size(), 6u) << "the 7th request is never made";
}

TEST_F(NetFetch, RedirectToARefusedAddressIsForbidden) {
  // 127.0.0.2 reaches this server (it listens on 0.0.0.0), but the policy only allows 127.0.0.1.
  auto other = get("/to-other-loopback");
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.status().code(), ErrorCode::kForbiddenAddress);
  EXPECT_NE(other.status().message().find("127.0.0.2"), std::string::npos)
      << other.status().message();
  auto metadata = get("/to-metadata");
  EXPECT_EQ(metadata.status().code(), ErrorCode::kForbiddenAddress);
  auto ftp = get("/to-ftp");
  EXPECT_EQ(ftp.status().code(), ErrorCode::kFetchFailed) << ftp.status().ToString();
  EXPECT_EQ(server_.connections(), 3) << "only the three first hops connected";
  // The hop itself works when allowed: the refusal above is the policy's doing.
  auto allowed = fetch(server_.url("/to-other-loopback"), quick(), policy_of({"127.0.0.0/8"}));
  EXPECT_TRUE(allowed.ok()) << allowed.status().ToString();
}

TEST_F(NetFetch, DefaultPolicyRefusesLoopbackWithoutConnecting) {
  auto refused = fetch(server_.url("/ok"), quick(), AddressPolicy());
  EXPECT_EQ(refused.status().code(), ErrorCode::kForbiddenAddress);
  std::this_thread::sleep_for(50ms);  // an (unexpected) connection would be counted by now
  EXPECT_EQ(server_.connections(), 0);
}

// A name (not a literal) that resolves to loopback: only the connect hook can refuse it.
TEST_F(NetFetch, NameResolvingToARefusedAddressIsRefusedAtConnect) {
  char name[256] = {};
  ::gethostname(name, sizeof name - 1);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(name, nullptr, &hints, &found) != 0)
    GTEST_SKIP() << name << " does not resolve";
  bool all_refused = true;
  for (addrinfo* a = found; a; a = a->ai_next)
    all_refused = all_refused && AddressPolicy().refused(a->ai_addr);
  ::freeaddrinfo(found);
  const std::string url = server_.url("/ok", name);
  if (!all_refused || !check_url(url, AddressPolicy()).ok()) {
    GTEST_SKIP() << "the host name " << name << " does not resolve to refused addresses only";
  }
  auto refused = fetch(url, quick(), AddressPolicy());
  EXPECT_EQ(refused.status().code(), ErrorCode::kForbiddenAddress) << refused.status().ToString();
  EXPECT_EQ(server_.connections(), 0);
}

TEST(NetFetchIpv6, ConnectionsOverIpv6AreChecked) {
  TestServer server(AF_INET6);  // [::1] only
  if (!server.ok()) GTEST_SKIP() << "no IPv6 loopback";
  auto allowed = fetch(server.url("/ok", "[::1]"), FetchLimits(), policy_of({"::1"}));
  ASSERT_TRUE(allowed.ok()) << allowed.status().ToString();
  EXPECT_EQ(allowed->size(), ok_body().size());
  // curl resolves "localhost" to 127.0.0.1 and ::1 itself. Nothing listens on IPv4 at this port, so
  // only ::1 could answer, and the policy (127.0.0.1 only) refuses it.
  ClosedPort v4(server.port());  // no IPv4 listener can appear on this port meanwhile
  if (v4.port != server.port()) GTEST_SKIP() << "127.0.0.1:" << server.port() << " is taken";
  const int connected = server.connections();
  auto refused = fetch(server.url("/ok", "localhost"), FetchLimits(), policy_of({"127.0.0.1"}));
  EXPECT_EQ(refused.status().code(), ErrorCode::kForbiddenAddress) << refused.status().ToString();
  EXPECT_NE(refused.status().message().find("::1"), std::string::npos)
      << refused.status().message();
  EXPECT_EQ(server.connections(), connected);
  // Both allowed: 127.0.0.1 is refused by the kernel, ::1 answers.
  auto both = fetch(server.url("/ok", "localhost"), FetchLimits(), policy_of({"127.0.0.1", "::1"}));
  EXPECT_TRUE(both.ok()) << both.status().ToString();
}

TEST_F(NetFetch, BodyOverTheLimitStopsTheTransfer) {
  FetchLimits small = quick();
  small.max_bytes = 100000;
  const auto start = std::chrono::steady_clock::now();
  auto endless = get("/endless", small);  // no Content-Length, never ends: only the limit stops it
  EXPECT_EQ(endless.status().code(), ErrorCode::kInputTooLarge) << endless.status().ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  auto announced = get("/announced-big", small);  // Content-Length says 100 MB
  EXPECT_EQ(announced.status().code(), ErrorCode::kInputTooLarge) << announced.status().ToString();
  FetchLimits exact = quick();
  exact.max_bytes = static_cast<int64_t>(ok_body().size());
  EXPECT_TRUE(get("/ok", exact).ok());
  exact.max_bytes -= 1;
  EXPECT_EQ(get("/ok", exact).status().code(), ErrorCode::kInputTooLarge);
}

TEST_F(NetFetch, SlowServerTimesOut) {
  FetchLimits short_wait = quick();
  short_wait.timeout = 300ms;
  const auto start = std::chrono::steady_clock::now();
  auto slow = get("/slow", short_wait);
  EXPECT_EQ(slow.status().code(), ErrorCode::kTimeout) << slow.status().ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

TEST_F(NetFetch, ErrorStatusAndConnectionFailuresFail) {
  auto failed = get("/fail");
  EXPECT_EQ(failed.status().code(), ErrorCode::kFetchFailed);
  EXPECT_NE(failed.status().message().find("500"), std::string::npos) << failed.status().message();
  EXPECT_EQ(get("/missing").status().code(), ErrorCode::kFetchFailed);
  ClosedPort closed;
  auto refused = fetch(fmt::format("http://127.0.0.1:{}/", closed.port), quick(), loopback_);
  EXPECT_EQ(refused.status().code(), ErrorCode::kFetchFailed) << refused.status().ToString();
  auto unknown = fetch("http://no-such-host.invalid/", quick(), loopback_);
  EXPECT_EQ(unknown.status().code(), ErrorCode::kFetchFailed) << unknown.status().ToString();
}

TEST_F(NetFetch, ConcurrentFetchesFromManyThreads) {
  std::vector<std::thread> threads;
  std::atomic<int> good{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      for (int j = 0; j < 4; ++j) {
        auto body = get(j % 2 ? "/redirect" : "/ok");
        if (body.ok() && text(*body) == ok_body()) ++good;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(good, 32);
}

// ---- post

class NetPost : public NetFetch {
 protected:
  PostOutcome send(std::string_view path, std::chrono::milliseconds timeout = 5s) {
    return post(server_.url(path), {{"Content-Type", "application/json"}}, "{}", timeout,
                loopback_);
  }
};

TEST_F(NetPost, SendsBodyAndHeadersExactly) {
  constexpr char kBody[] = "{\"event\":\"done\"}\r\n\0binary\xff";
  const std::string body(kBody, sizeof kBody - 1);  // CR/LF, NUL and a high byte travel unchanged
  const PostOutcome good = post(server_.url("/hook"),
                                {{"Content-Type", "application/json"},
                                 {"X-Pictor-Signature", "sha256=abc def"},
                                 {"X-Empty", ""}},
                                body, 5s, loopback_);
  EXPECT_TRUE(good.ok()) << good.error << " status " << good.status;
  EXPECT_EQ(good.status, 200);
  EXPECT_EQ(good.response_excerpt, "accepted");
  const auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 1u);
  const Request& got = requests[0];
  EXPECT_EQ(got.method, "POST");
  EXPECT_EQ(got.target, "/hook");
  EXPECT_EQ(got.body, body);
  EXPECT_EQ(got.values("content-type"), std::vector<std::string>{"application/json"});
  EXPECT_EQ(got.values("x-pictor-signature"), std::vector<std::string>{"sha256=abc def"});
  EXPECT_EQ(got.values("x-empty"), std::vector<std::string>{""});
  EXPECT_EQ(got.values("content-length"), std::vector<std::string>{std::to_string(body.size())});
  EXPECT_EQ(got.values("user-agent"), std::vector<std::string>{"pictor/0.1"});
  EXPECT_TRUE(got.values("expect").empty());
}

TEST_F(NetPost, NoContentTypeUnlessGiven) {
  const PostOutcome outcome = post(server_.url("/hook"), {}, "", 5s, loopback_);
  EXPECT_TRUE(outcome.ok()) << outcome.error;
  const auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_TRUE(requests[0].values("content-type").empty());
  EXPECT_EQ(requests[0].values("content-length"), std::vector<std::string>{"0"});
}

TEST_F(NetPost, ReportsStatusesWithoutFollowingRedirects) {
  const PostOutcome failed = send("/hook-500");
  EXPECT_EQ(failed.status, 500);
  EXPECT_TRUE(failed.error.empty()) << failed.error;
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(failed.response_excerpt, "boom");
  const PostOutcome moved = send("/hook-redirect");
  EXPECT_EQ(moved.status, 302);
  EXPECT_FALSE(moved.ok());
  EXPECT_EQ(server_.requests().size(), 2u) << "the redirect is not followed";
  const PostOutcome big = send("/hook-big");  // 200 000 bytes: reading stops at 64 KiB
  EXPECT_TRUE(big.ok()) << big.error;
  EXPECT_EQ(big.response_excerpt, std::string(512, 'x'));
}

TEST_F(NetPost, ConnectionFailuresRefusalsAndTimeouts) {
  ClosedPort closed;
  const PostOutcome unreachable =
      post(fmt::format("http://127.0.0.1:{}/hook", closed.port), {}, "{}", 5s, loopback_);
  EXPECT_FALSE(unreachable.ok());
  EXPECT_FALSE(unreachable.error.empty());
  EXPECT_EQ(unreachable.status, 0);
  EXPECT_FALSE(unreachable.refused);
  EXPECT_FALSE(unreachable.timed_out);

  const PostOutcome forbidden = post(server_.url("/hook"), {}, "{}", 5s, AddressPolicy());
  EXPECT_TRUE(forbidden.refused);
  EXPECT_FALSE(forbidden.error.empty());
  EXPECT_FALSE(forbidden.ok());
  const PostOutcome not_http = post("ftp://example.com/", {}, "{}", 5s, loopback_);
  EXPECT_TRUE(not_http.refused);
  const PostOutcome injected =
      post(server_.url("/hook"), {{"X-A", "1\r\nX-B: 2"}}, "{}", 5s, loopback_);
  EXPECT_TRUE(injected.refused);
  EXPECT_EQ(server_.connections(), 0);

  const auto start = std::chrono::steady_clock::now();
  const PostOutcome slow = send("/hook-slow", 300ms);
  EXPECT_TRUE(slow.timed_out);
  EXPECT_FALSE(slow.error.empty());
  EXPECT_FALSE(slow.ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

}  // namespace
}  // namespace pictor::net
