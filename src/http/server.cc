#include <utility>  // before Boost: asio's awaitable.hpp needs std::exchange under g++ 12

#include "http/server.h"

#include <boost/asio.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/beast.hpp>
#include <fmt/format.h>

#include <array>
#include <limits>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>
#include <vector>

namespace pictor::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using Response = bhttp::response<bhttp::vector_body<uint8_t>>;

// A fixed set of threads with a bounded queue: try_submit refuses work when the queue is full.
class WorkerPool {
 public:
  WorkerPool(int threads, size_t capacity) : capacity_(capacity) {
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { run(); });
  }
  ~WorkerPool() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    ready_.notify_all();
    for (std::thread& t : threads_) t.join();
  }
  bool try_submit(std::function<void()> job) {
    {
      std::lock_guard lock(mutex_);
      if (queue_.size() >= capacity_) return false;
      queue_.push_back(std::move(job));
    }
    ready_.notify_one();
    return true;
  }

 private:
  void run() {
    while (true) {
      std::function<void()> job;
      {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;
        job = std::move(queue_.front());
        queue_.pop_front();
      }
      job();
    }
  }
  const size_t capacity_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

Response json_response(unsigned status, const nlohmann::json& body) {
  const std::string text = body.dump();
  Response res{static_cast<bhttp::status>(status), 11};
  res.set(bhttp::field::content_type, "application/json");
  res.body().assign(text.begin(), text.end());
  return res;
}

// The one shape of every error: {"error": {"code": "...", "message": "..."}}.
Response error_response(const Status& status) {
  return json_response(static_cast<unsigned>(http_status(status.code())),
                       {{"error", {{"code", error_code_name(status.code())}, {"message", status.message()}}}});
}

std::string percent_decode(std::string_view in) {
  std::string out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size() && std::isxdigit(static_cast<unsigned char>(in[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(in[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(in.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += in[i] == '+' ? ' ' : in[i];
    }
  }
  return out;
}

struct Target {
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;
  std::optional<std::string> param(std::string_view key) const {
    for (const auto& [k, v] : query) {
      if (k == key) return v;
    }
    return std::nullopt;
  }
};

Target parse_target(std::string_view target) {
  Target t;
  const size_t q = target.find('?');
  t.path = std::string(target.substr(0, q));
  if (q == std::string_view::npos) return t;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    const size_t amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    const size_t eq = pair.find('=');
    t.query.emplace_back(percent_decode(pair.substr(0, eq)),
                         eq == std::string_view::npos ? "" : percent_decode(pair.substr(eq + 1)));
    if (amp == std::string_view::npos) break;
    rest = rest.substr(amp + 1);
  }
  return t;
}

nlohmann::json record_json(const storage::ImageRecord& r) {
  return {{"id", r.id},         {"md5", r.md5},       {"sha256", r.sha256}, {"format", format_name(r.format)},
          {"width", r.width},   {"height", r.height}, {"bytes", r.bytes},   {"frames", r.frames},
          {"created_at", r.created_at}};
}

// Routes a complete request (body already in `upload_path` for uploads). Runs on a worker.
class Router {
 public:
  Router(service::ImageService& service, const ServerOptions& options) : service_(service), options_(options) {}

  Response handle(bhttp::verb method, std::string_view target_text, std::string_view if_none_match,
                  const std::string& upload_path) {
    const Target target = parse_target(target_text);
    if (target.path == "/healthz") return json_response(200, {{"status", "ok"}});
    if (target.path == "/v1/images") {
      if (method != bhttp::verb::post) return error_response({ErrorCode::kMethodNotAllowed, "use POST to upload"});
      auto record = service_.upload_file(upload_path);
      if (!record.ok()) return error_response(record.status());
      return json_response(201, {{"images", {record_json(*record)}}});
    }
    constexpr std::string_view kImages = "/v1/images/";
    if (!target.path.starts_with(kImages)) return error_response({ErrorCode::kNotFound, "no such route: " + target.path});
    if (method != bhttp::verb::get && method != bhttp::verb::head) {
      return error_response({ErrorCode::kMethodNotAllowed, "use GET or HEAD"});
    }
    const std::string rest = target.path.substr(kImages.size());
    const size_t slash = rest.find('/');
    auto record = service_.find(rest.substr(0, slash));
    if (!record.ok()) return error_response(record.status());
    const std::optional<std::string> type = target.param("type");
    if (slash == std::string::npos && !type) return original(*record, if_none_match);
    if (slash != std::string::npos && type) {
      return error_response({ErrorCode::kInvalidChain, "give either a chain in the path or ?type=, not both"});
    }
    const std::string chain = type ? *type : percent_decode(rest.substr(slash + 1));
    const auto deadline = std::chrono::steady_clock::now() + options_.timeout;
    auto rendered = service_.render(*record, chain, type.has_value(), deadline);
    if (!rendered.ok()) return error_response(rendered.status());
    Response res{bhttp::status::ok, 11};
    res.set(bhttp::field::content_type, std::string(format_mime(rendered->format)));
    res.set(bhttp::field::cache_control, "public, max-age=31536000, immutable");
    res.set("X-Content-Type-Options", "nosniff");
    res.body() = std::move(rendered->bytes);
    return res;
  }

 private:
  Response original(const storage::ImageRecord& record, std::string_view if_none_match) {
    const std::string etag = "\"" + record.sha256 + "\"";
    if (if_none_match == etag) {
      Response res{bhttp::status::not_modified, 11};
      res.set(bhttp::field::etag, etag);
      return res;
    }
    auto bytes = service_.original(record);
    if (!bytes.ok()) return error_response(bytes.status());
    Response res{bhttp::status::ok, 11};
    res.set(bhttp::field::content_type, std::string(format_mime(record.format)));
    res.set(bhttp::field::etag, etag);
    res.set("X-Content-Type-Options", "nosniff");
    res.body() = std::move(bytes).value();
    return res;
  }

  service::ImageService& service_;
  const ServerOptions& options_;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Router& router, WorkerPool& pool, service::ImageService& service)
      : stream_(std::move(socket)), router_(router), pool_(pool), service_(service) {}

  void start() { read_header(); }

 private:
  void read_header() {
    header_.emplace();
    // No limit while reading the header: Beast would fail on a large Content-Length before we
    // can answer 413 (and body_limit(boost::none) does not lift the limit in Boost 1.74).
    // on_header checks Content-Length; the body parsers enforce the limit on what arrives.
    header_->body_limit(std::numeric_limits<std::uint64_t>::max());
    stream_.expires_after(std::chrono::seconds(30));
    bhttp::async_read_header(stream_, buffer_, *header_,
                             [self = shared_from_this()](beast::error_code ec, size_t) { self->on_header(ec); });
  }

  void on_header(beast::error_code ec) {
    if (ec) return close(ec == bhttp::error::end_of_stream ? beast::error_code{} : ec, ec != bhttp::error::end_of_stream);
    const auto& req = header_->get();
    keep_alive_ = req.keep_alive();
    if (req.method() == bhttp::verb::post) {
      const uint64_t limit = service_.config().limits.max_input_bytes;
      if (header_->content_length() && *header_->content_length() > limit) {
        // Refused from the header: the client learns before sending the body.
        keep_alive_ = false;
        return respond(error_response({ErrorCode::kInputTooLarge,
                                       fmt::format("the body has {} bytes; the limit is {}", *header_->content_length(), limit)}));
      }
      if (beast::iequals(req[bhttp::field::expect], "100-continue")) {
        // Clients such as curl wait (a second) for this before sending a large body.
        continue_ = std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_, 11);
        bhttp::async_write(stream_, *continue_, [self = shared_from_this()](beast::error_code e, size_t) {
          if (e) return self->close(e, true);
          self->read_upload();
        });
        return;
      }
      return read_upload();
    }
    small_.emplace(std::move(*header_));
    small_->body_limit(64 * 1024);
    bhttp::async_read(stream_, buffer_, *small_,
                      [self = shared_from_this()](beast::error_code e, size_t) { self->on_body(e); });
  }

  void read_upload() {
    {
      // Upload bodies go straight to a file: a 100 MB upload needs no 100 MB of memory.
      upload_path_ = service_.new_upload_path();
      body_.emplace(std::move(*header_));
      body_->body_limit(service_.config().limits.max_input_bytes);
      beast::error_code open_ec;
      body_->get().body().open(upload_path_.c_str(), beast::file_mode::write, open_ec);
      if (open_ec) return respond(error_response({ErrorCode::kIoError, "cannot store the upload: " + open_ec.message()}));
      stream_.expires_after(std::chrono::minutes(5));
      bhttp::async_read(stream_, buffer_, *body_,
                        [self = shared_from_this()](beast::error_code e, size_t) { self->on_body(e); });
    }
  }

  void on_body(beast::error_code ec) {
    if (ec == bhttp::error::body_limit) {
      discard_upload();
      keep_alive_ = false;
      return respond(error_response({ErrorCode::kInputTooLarge,
                                     fmt::format("the body is larger than {} bytes", service_.config().limits.max_input_bytes)}));
    }
    if (ec) {
      discard_upload();
      return close(ec, true);
    }
    bhttp::verb method;
    std::string target, if_none_match;
    if (body_) {
      body_->get().body().close();
      method = body_->get().method();
      target = std::string(body_->get().target());
    } else {
      method = small_->get().method();
      target = std::string(small_->get().target());
      if_none_match = std::string(small_->get()[bhttp::field::if_none_match]);
    }
    head_ = method == bhttp::verb::head;
    auto self = shared_from_this();
    const bool queued = pool_.try_submit([self, method, target, if_none_match] {
      Response res = self->router_.handle(method, target, if_none_match, self->upload_path_);
      // An upload consumes its file; a body sent to any other route is dropped here.
      if (!self->upload_path_.empty()) std::remove(self->upload_path_.c_str());
      asio::post(self->stream_.get_executor(), [self, res = std::move(res)]() mutable { self->respond(std::move(res)); });
    });
    if (!queued) {
      discard_upload();
      Response res = error_response({ErrorCode::kOverloaded, "the server is busy; retry shortly"});
      res.set(bhttp::field::retry_after, "1");
      respond(std::move(res));
    }
  }

  void respond(Response res) {
    response_ = std::make_shared<Response>(std::move(res));
    response_->set(bhttp::field::server, "pictor");
    response_->keep_alive(keep_alive_);
    response_->prepare_payload();
    if (head_) response_->body().clear();
    stream_.expires_after(std::chrono::seconds(30));
    bhttp::async_write(stream_, *response_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec || !self->keep_alive_) return self->close(ec, !ec);
      self->body_.reset();
      self->small_.reset();
      self->upload_path_.clear();
      self->read_header();
    });
  }

  void discard_upload() {
    if (body_) body_->get().body().close();
    if (!upload_path_.empty()) std::remove(upload_path_.c_str());
  }

  // Ends the connection. With `linger`, whatever the client still sends (the rest of a refused
  // upload) is read and dropped for a few seconds, so the client sees the response rather than
  // a reset.
  void close(beast::error_code, bool linger) {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    if (!linger) return;
    stream_.expires_after(std::chrono::seconds(5));
    drain();
  }

  void drain() {
    stream_.async_read_some(asio::buffer(drain_buffer_), [self = shared_from_this()](beast::error_code ec, size_t) {
      if (!ec) self->drain();
    });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  Router& router_;
  WorkerPool& pool_;
  service::ImageService& service_;
  std::optional<bhttp::request_parser<bhttp::empty_body>> header_;
  std::optional<bhttp::request_parser<bhttp::file_body>> body_;
  std::optional<bhttp::request_parser<bhttp::string_body>> small_;
  std::shared_ptr<Response> response_;
  std::shared_ptr<bhttp::response<bhttp::empty_body>> continue_;
  std::array<char, 16384> drain_buffer_;
  std::string upload_path_;
  bool keep_alive_ = false;
  bool head_ = false;
};

void accept(tcp::acceptor& acceptor, Router& router, WorkerPool& pool, service::ImageService& service) {
  acceptor.async_accept([&](beast::error_code ec, tcp::socket socket) {
    if (!ec) std::make_shared<Session>(std::move(socket), router, pool, service)->start();
    if (acceptor.is_open()) accept(acceptor, router, pool, service);
  });
}

}  // namespace

Status serve(service::ImageService& service, const ServerOptions& options) {
  asio::io_context io{options.io_threads};
  tcp::acceptor acceptor{io};
  beast::error_code ec;
  const auto address = asio::ip::make_address(options.host, ec);
  if (ec) return {ErrorCode::kConfigError, fmt::format("invalid listen address {}", options.host)};
  tcp::endpoint endpoint{address, options.port};
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return {ErrorCode::kIoError, fmt::format("cannot listen on {}:{}: {}", options.host, options.port, ec.message())};

  const int workers = options.workers > 0 ? options.workers : std::max(1u, std::thread::hardware_concurrency());
  WorkerPool pool(workers, options.queue_capacity);
  Router router(service, options);
  accept(acceptor, router, pool, service);
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](beast::error_code, int) {
    acceptor.close();
    io.stop();
  });
  std::cout << fmt::format("pictor: listening on http://{}:{} ({} workers)", options.host, acceptor.local_endpoint().port(),
                           workers)
            << std::endl;
  std::vector<std::thread> io_threads;
  for (int i = 1; i < options.io_threads; ++i) io_threads.emplace_back([&] { io.run(); });
  io.run();
  for (std::thread& t : io_threads) t.join();
  return Status::Ok();
}

}  // namespace pictor::http
