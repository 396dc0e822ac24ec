#include <utility>  // before Boost: asio's awaitable.hpp needs std::exchange under g++ 12

#include "http/server.h"

#include <boost/asio.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/beast.hpp>
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <openssl/rand.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <functional>
#include <iostream>
#include <limits>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>
#include <vector>

#include "http/metrics.h"
#include "http/router.h"

namespace pictor::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// A fixed set of threads with a bounded queue: try_submit refuses work when the queue is full.
class WorkerPool {
 public:
  WorkerPool(int threads, size_t capacity, Metrics& metrics) : capacity_(capacity), metrics_(metrics) {
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
      metrics_.set_queue_depth(queue_.size());
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
        metrics_.set_queue_depth(queue_.size());
      }
      job();
    }
  }
  const size_t capacity_;
  Metrics& metrics_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

// One line per request on stdout: JSON (for log shippers) or text (for people).
class AccessLog {
 public:
  explicit AccessLog(std::string format) : format_(std::move(format)) {}
  void write(const nlohmann::json& entry) {
    if (format_ == "off") return;
    std::string line;
    if (format_ == "json") {
      line = entry.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    } else {
      line = fmt::format("{} {} {} {} {}ms {}", entry.value("status", 0), entry.value("method", ""),
                         entry.value("target", ""), entry.value("bytes", 0), entry.value("ms", 0.0),
                         entry.value("cache", entry.value("error", "")));
    }
    std::lock_guard lock(mutex_);
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
  }

 private:
  const std::string format_;
  std::mutex mutex_;
};

std::string utc_now() {
  const auto now = std::chrono::system_clock::now();
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}Z", std::chrono::floor<std::chrono::milliseconds>(now));
}

std::string new_request_id() {
  unsigned char bytes[8];
  RAND_bytes(bytes, sizeof bytes);
  std::string id;
  for (unsigned char b : bytes) id += fmt::format("{:02x}", b);
  return id;
}

// What every session shares.
struct Shared {
  Router& router;
  WorkerPool* pool = nullptr;
  Metrics& metrics;
  AccessLog& log;
  service::ImageService& service;
  std::atomic<int> in_flight{0};
  std::atomic<bool> draining{false};
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Shared& shared) : stream_(std::move(socket)), shared_(shared) {
    beast::error_code ec;
    loopback_ = stream_.socket().local_endpoint(ec).address().is_loopback();
  }
  ~Session() { end_request(); }

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

  void begin_request() {
    started_ = Clock::now();
    active_ = true;
    shared_.in_flight++;
    shared_.metrics.add_in_flight(1);
  }
  void end_request() {
    if (!active_) return;
    active_ = false;
    shared_.in_flight--;
    shared_.metrics.add_in_flight(-1);
  }

  void on_header(beast::error_code ec) {
    if (ec) return close(ec == bhttp::error::end_of_stream ? beast::error_code{} : ec, ec != bhttp::error::end_of_stream);
    begin_request();
    const auto& req = header_->get();
    keep_alive_ = req.keep_alive() && !shared_.draining;
    request_ = Request{};
    request_.method = std::string(req.method_string());
    request_.target = std::string(req.target());
    request_.if_none_match = std::string(req[bhttp::field::if_none_match]);
    request_.accept = std::string(req[bhttp::field::accept]);
    request_.authorization = std::string(req[bhttp::field::authorization]);
    request_.api_key = std::string(req["X-Api-Key"]);
    request_.content_type = std::string(req[bhttp::field::content_type]);
    request_.idempotency_key = std::string(req["Idempotency-Key"]);
    request_.loopback_listener = loopback_;
    request_id_ = std::string(req["X-Request-Id"]).substr(0, 64);
    if (request_id_.empty()) request_id_ = new_request_id();
    head_ = req.method() == bhttp::verb::head;
    if (req.method() == bhttp::verb::post || req.method() == bhttp::verb::put) {
      const uint64_t limit = shared_.service.config().limits.max_input_bytes;
      if (header_->content_length() && *header_->content_length() > limit) {
        // Refused from the header: the client learns before sending the body.
        keep_alive_ = false;
        return respond_error({ErrorCode::kInputTooLarge,
                              fmt::format("the body has {} bytes; the limit is {}", *header_->content_length(), limit)});
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
    bhttp::async_read(stream_, buffer_, *small_, [self = shared_from_this()](beast::error_code e, size_t) { self->on_body(e); });
  }

  void read_upload() {
    // Upload bodies go straight to a file: a 100 MB upload needs no 100 MB of memory.
    upload_path_ = shared_.service.new_upload_path();
    body_.emplace(std::move(*header_));
    body_->body_limit(shared_.service.config().limits.max_input_bytes);
    beast::error_code open_ec;
    body_->get().body().open(upload_path_.c_str(), beast::file_mode::write, open_ec);
    if (open_ec) return respond_error({ErrorCode::kIoError, "cannot store the upload: " + open_ec.message()});
    stream_.expires_after(std::chrono::minutes(5));
    bhttp::async_read(stream_, buffer_, *body_, [self = shared_from_this()](beast::error_code e, size_t) { self->on_body(e); });
  }

  void on_body(beast::error_code ec) {
    if (ec == bhttp::error::body_limit) {
      discard_upload();
      keep_alive_ = false;
      return respond_error({ErrorCode::kInputTooLarge,
                            fmt::format("the body is larger than {} bytes", shared_.service.config().limits.max_input_bytes)});
    }
    if (ec) {
      discard_upload();
      return close(ec, true);
    }
    if (body_) body_->get().body().close();
    request_.body_path = upload_path_;
    request_.draining = shared_.draining;
    if (!body_) {
      // A repeated thumbnail still in memory is answered here, on the I/O thread.
      if (auto hit = shared_.router.fast_hit(request_)) return respond(std::move(*hit));
    }
    auto self = shared_from_this();
    const auto queued_at = Clock::now();
    const bool queued = shared_.pool->try_submit([self, queued_at] {
      self->shared_.metrics.queued(seconds_since(queued_at));
      Routed routed = self->shared_.router.handle(self->request_);
      // An upload consumes its file; a body sent to any other route is dropped here.
      if (!self->upload_path_.empty()) std::remove(self->upload_path_.c_str());
      asio::post(self->stream_.get_executor(), [self, routed = std::move(routed)]() mutable { self->respond(std::move(routed)); });
    });
    if (!queued) {
      discard_upload();
      Routed routed{error_response({ErrorCode::kOverloaded, "the server is busy; retry shortly"}), "overloaded", "", "overloaded"};
      routed.response.set(bhttp::field::retry_after, "1");
      respond(std::move(routed));
    }
  }

  void respond_error(const Status& status) {
    respond(Routed{error_response(status), "error", "", std::string(error_code_name(status.code()))});
  }

  void respond(Routed routed) {
    if (shared_.draining) keep_alive_ = false;
    response_ = std::make_shared<Response>(std::move(routed.response));
    response_->set(bhttp::field::server, "pictor");
    response_->set("X-Request-Id", request_id_);
    response_->keep_alive(keep_alive_);
    response_->prepare_payload();
    const size_t bytes = response_->body().size();
    if (head_) response_->body().clear();
    log(routed, bytes);
    stream_.expires_after(std::chrono::seconds(30));
    bhttp::async_write(stream_, *response_, [self = shared_from_this()](beast::error_code ec, size_t) {
      self->end_request();
      if (ec || !self->keep_alive_) return self->close(ec, !ec);
      self->body_.reset();
      self->small_.reset();
      self->upload_path_.clear();
      self->read_header();
    });
  }

  void log(const Routed& routed, size_t bytes) {
    const double seconds = seconds_since(started_);
    const unsigned status = response_->result_int();
    shared_.metrics.request(routed.route, request_.method, status, seconds);
    nlohmann::json entry = {{"time", utc_now()},  {"level", status >= 500 ? "error" : "info"},
                            {"msg", "request"},   {"request_id", request_id_},
                            {"method", request_.method}, {"target", request_.target.substr(0, 512)},
                            {"route", routed.route}, {"status", status},
                            {"bytes", bytes},     {"ms", std::round(seconds * 1e5) / 100}};
    if (!routed.cache.empty()) entry["cache"] = routed.cache;
    if (!routed.error.empty()) entry["error"] = routed.error;
    shared_.log.write(entry);
  }

  void discard_upload() {
    if (body_) body_->get().body().close();
    if (!upload_path_.empty()) std::remove(upload_path_.c_str());
  }

  // Ends the connection. With `linger`, whatever the client still sends (the rest of a refused
  // upload) is read and dropped for a few seconds, so the client sees the response rather than
  // a reset.
  void close(beast::error_code, bool linger) {
    end_request();
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
  Shared& shared_;
  std::optional<bhttp::request_parser<bhttp::empty_body>> header_;
  std::optional<bhttp::request_parser<bhttp::file_body>> body_;
  std::optional<bhttp::request_parser<bhttp::string_body>> small_;
  std::shared_ptr<Response> response_;
  std::shared_ptr<bhttp::response<bhttp::empty_body>> continue_;
  std::array<char, 16384> drain_buffer_;
  Request request_;
  std::string request_id_;
  std::string upload_path_;
  Clock::time_point started_;
  bool active_ = false;
  bool keep_alive_ = false;
  bool head_ = false;
  bool loopback_ = false;
};

void accept(tcp::acceptor& acceptor, Shared& shared) {
  acceptor.async_accept([&](beast::error_code ec, tcp::socket socket) {
    if (!ec) std::make_shared<Session>(std::move(socket), shared)->start();
    if (acceptor.is_open()) accept(acceptor, shared);
  });
}

// After a stop signal: poll until nothing is in flight or the drain time is up, then stop.
void wait_for_drain(asio::steady_timer& timer, Shared& shared, Clock::time_point deadline, asio::io_context& io) {
  if (shared.in_flight <= 0 || Clock::now() >= deadline) return io.stop();
  timer.expires_after(std::chrono::milliseconds(20));
  timer.async_wait([&timer, &shared, deadline, &io](beast::error_code) { wait_for_drain(timer, shared, deadline, io); });
}

}  // namespace

Status serve(service::ImageService& service, service::AnalysisService* analyses, const ServerOptions& options) {
  // Declared before the io_context: sessions still queued in it when it is destroyed use them.
  Metrics metrics;
  AccessLog log(options.log_format);
  Router router(service, analyses, metrics, options.timeout);
  Shared shared{router, nullptr, metrics, log, service};

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
  // Declared after the io_context: its threads finish their jobs (which post to it) first.
  WorkerPool pool(workers, options.queue_capacity, metrics);
  shared.pool = &pool;
  accept(acceptor, shared);

  asio::signal_set signals(io, SIGINT, SIGTERM);
  asio::steady_timer drain_timer(io);
  signals.async_wait([&](beast::error_code, int signal) {
    // Graceful: no new connections, readiness fails, keep-alive ends after the current
    // response, and the process exits once in-flight requests are answered.
    shared.draining = true;
    acceptor.close();
    log.write({{"time", utc_now()}, {"level", "info"}, {"msg", "draining"}, {"signal", signal}, {"in_flight", shared.in_flight.load()}});
    wait_for_drain(drain_timer, shared, Clock::now() + options.drain, io);
  });
  const uint16_t port = acceptor.local_endpoint().port();
  std::cout << fmt::format("pictor: listening on http://{}:{} ({} workers)", options.host, port, workers) << std::endl;
  std::vector<std::thread> io_threads;
  for (int i = 1; i < options.io_threads; ++i) io_threads.emplace_back([&] { io.run(); });
  io.run();
  for (std::thread& t : io_threads) t.join();
  log.write({{"time", utc_now()}, {"level", "info"}, {"msg", "stopped"}, {"in_flight", shared.in_flight.load()}});
  return Status::Ok();
}

}  // namespace pictor::http
