// The analysis queue on SQLite: claims, leases that run out, a final state reached once with its
// delivery, idempotency, cancel, redelivery, delivery attempts; callback signatures and backoff.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <random>
#include <set>
#include <thread>

#include "jobs/callbacks.h"
#include "jobs/job_store.h"

namespace pictor::jobs {
namespace {

namespace fs = std::filesystem;

std::string db_path(const std::string& name) {
  const fs::path path =
      fs::temp_directory_path() / ("pictor-jobs-" + std::to_string(::getpid()) + "-" + name);
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path.string() + suffix);
  return path.string();
}

Job image_job(const std::string& image, std::vector<std::string> features = {"exif"},
              std::string callback = "http://h/cb") {
  Job j;
  j.id = new_job_id();
  j.image_id = image;
  j.features = std::move(features);
  j.callback_url = std::move(callback);
  j.secret = "s";
  return j;
}

Submission one(Job job) {
  Submission s;
  s.jobs.push_back(std::move(job));
  return s;
}

std::string body(const Job& job, const std::string& delivery, const std::string& event) {
  return job.id + " " + std::string(job_state_name(job.state)) + " " + delivery + " " + event;
}

RunOutcome succeeded(std::string result = "{\"ok\":true}") {
  return {RunOutcome::Kind::kSucceeded, result, "", 0};
}

std::unique_ptr<JobStore> open_store(const std::string& name) {
  auto store = open_sqlite_job_store(db_path(name));
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return std::move(store).value();
}

TEST(JobStore, ClaimTakesTheOldestJobsWithTheSameFeatures) {
  auto store = open_store("claim.db");
  ASSERT_TRUE(store->submit(one(image_job("a", {"exif"}))).ok());
  ASSERT_TRUE(store->submit(one(image_job("b", {"colors"}))).ok());
  ASSERT_TRUE(store->submit(one(image_job("c", {"exif"}))).ok());
  auto first = store->claim("w1", 8, 60000);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->size(), 2u);  // a and c: the same features as the oldest
  EXPECT_EQ((*first)[0].image_id, "a");
  EXPECT_EQ((*first)[1].image_id, "c");
  EXPECT_EQ((*first)[0].state, JobState::kRunning);
  EXPECT_EQ((*first)[0].attempts, 1);
  auto second = store->claim("w2", 8, 60000);
  ASSERT_EQ(second->size(), 1u);
  EXPECT_EQ((*second)[0].image_id, "b");
  EXPECT_TRUE(store->claim("w3", 8, 60000)->empty());
}

TEST(JobStore, AnExpiredLeaseIsClaimedAgainAndOnlyTheNewHolderFinishes) {
  auto store = open_store("lease.db");
  const Job job = image_job("a");
  ASSERT_TRUE(store->submit(one(job)).ok());
  ASSERT_EQ(store->claim("dead-worker", 1, 50)->size(), 1u);
  EXPECT_TRUE(store->claim("w2", 1, 60000)->empty());  // still leased
  std::this_thread::sleep_for(std::chrono::milliseconds(80));
  auto again = store->claim("w2", 1, 60000);
  ASSERT_EQ(again->size(), 1u);
  EXPECT_EQ((*again)[0].attempts, 2);
  // The first worker comes back late: its finish changes nothing.
  auto late = store->finish(job.id, "dead-worker", succeeded("{\"stale\":1}"), body);
  ASSERT_TRUE(late.ok());
  EXPECT_FALSE(*late);
  auto done = store->finish(job.id, "w2", succeeded(), body);
  ASSERT_TRUE(done.ok());
  EXPECT_TRUE(*done);
  // Finishing twice does nothing either: one final state, one delivery.
  EXPECT_FALSE(*store->finish(job.id, "w2", succeeded(), body));
  auto found = store->find(job.id);
  ASSERT_TRUE(found.ok() && found->has_value());
  const Job& j = **found;
  EXPECT_EQ(j.state, JobState::kSucceeded);
  EXPECT_EQ(j.result, "{\"ok\":true}");
  ASSERT_EQ(j.deliveries.size(), 1u);
  EXPECT_EQ(j.deliveries[0].event, "analysis.succeeded");
  EXPECT_EQ(j.deliveries[0].body,
            job.id + " succeeded " + j.deliveries[0].id + " analysis.succeeded");
  EXPECT_EQ(j.deliveries[0].state, DeliveryState::kPending);
}

TEST(JobStore, RenewedLeasesHold) {
  auto store = open_store("renew.db");
  const Job job = image_job("a");
  ASSERT_TRUE(store->submit(one(job)).ok());
  ASSERT_EQ(store->claim("w1", 1, 100)->size(), 1u);
  for (int i = 0; i < 4; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(40));
    ASSERT_TRUE(store->renew({job.id}, "w1", 100).ok());
  }
  EXPECT_TRUE(store->claim("w2", 1, 100)->empty());
}

TEST(JobStore, FailuresRetriesAndReleases) {
  auto store = open_store("outcomes.db");
  const Job a = image_job("a"), b = image_job("b", {"exif"}, "");
  ASSERT_TRUE(store->submit(one(a)).ok());
  ASSERT_TRUE(store->submit(one(b)).ok());
  ASSERT_EQ(store->claim("w", 2, 60000)->size(), 2u);
  // A retry puts the job back, not before its time.
  ASSERT_TRUE(*store->finish(
      a.id, "w", {RunOutcome::Kind::kRetry, "", "{\"code\":\"io_error\"}", now_ms() + 60000},
      body));
  // A release puts it back at once, without counting the run.
  ASSERT_TRUE(store->release({b.id}, "w").ok());
  auto claimed = store->claim("w", 2, 60000);
  ASSERT_EQ(claimed->size(), 1u);
  EXPECT_EQ((*claimed)[0].id, b.id);
  EXPECT_EQ((*claimed)[0].attempts, 1);
  ASSERT_TRUE(*store->finish(
      b.id, "w", {RunOutcome::Kind::kFailed, "", "{\"code\":\"corrupt_image\"}", 0}, body));
  auto found = store->find(b.id);
  EXPECT_EQ((*found)->state, JobState::kFailed);
  EXPECT_EQ((*found)->error, "{\"code\":\"corrupt_image\"}");
  EXPECT_TRUE((*found)->deliveries.empty());  // no callback URL, no delivery
  auto queued = store->find(a.id);
  EXPECT_EQ((*queued)->state, JobState::kQueued);
}

TEST(JobStore, IdempotencyKeysReplayOrConflict) {
  auto store = open_store("idempotency.db");
  Submission s = one(image_job("a"));
  s.idempotency_key = "k";
  s.idempotency_owner = "owner1";
  s.request_hash = "h1";
  auto first = store->submit(s);
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(first->replayed);
  Submission again = one(image_job("a"));
  again.idempotency_key = "k";
  again.idempotency_owner = "owner1";
  again.request_hash = "h1";
  auto replay = store->submit(again);
  ASSERT_TRUE(replay.ok());
  EXPECT_TRUE(replay->replayed);
  EXPECT_EQ(replay->job_ids, first->job_ids);
  again.request_hash = "h2";
  EXPECT_EQ(store->submit(again).status().code(), ErrorCode::kConflict);
  again.idempotency_owner = "owner2";  // keys are per caller
  auto other = store->submit(again);
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->replayed);
  EXPECT_EQ(store->counts()->queued, 2);
}

TEST(JobStore, CancelOnlyQueuedAndRedeliverOnlyFinished) {
  auto store = open_store("cancel.db");
  const Job a = image_job("a"), b = image_job("b");
  ASSERT_TRUE(store->submit(one(a)).ok());
  auto canceled = store->cancel(a.id);
  ASSERT_TRUE(canceled.ok());
  EXPECT_EQ(canceled->state, JobState::kCanceled);
  EXPECT_EQ(store->cancel(a.id).status().code(), ErrorCode::kConflict);
  EXPECT_EQ(store->cancel("job_missing").status().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(store->claim("w", 1, 60000)->empty());
  EXPECT_EQ(store->redeliver(a.id, body).status().code(), ErrorCode::kConflict);
  ASSERT_TRUE(store->submit(one(b)).ok());
  ASSERT_EQ(store->claim("w", 1, 60000)->size(), 1u);
  ASSERT_TRUE(*store->finish(b.id, "w", succeeded(), body));
  auto redelivery = store->redeliver(b.id, body);
  ASSERT_TRUE(redelivery.ok());
  auto found = store->find(b.id);
  ASSERT_EQ((*found)->deliveries.size(), 2u);
  EXPECT_NE((*found)->deliveries[0].id, (*found)->deliveries[1].id);
}

TEST(JobStore, DeliveriesAreLeasedRetriedAndDie) {
  auto store = open_store("deliveries.db");
  const Job a = image_job("a");
  ASSERT_TRUE(store->submit(one(a)).ok());
  ASSERT_EQ(store->claim("w", 1, 60000)->size(), 1u);
  ASSERT_TRUE(*store->finish(a.id, "w", succeeded(), body));
  auto due = store->claim_deliveries(4, 60000);
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].secret, "s");
  EXPECT_TRUE(store->claim_deliveries(4, 60000)->empty());  // leased to the first sender
  const std::string id = (*due)[0].id;
  ASSERT_TRUE(
      store->record_attempt(id, false, 500, "the receiver answered 500", now_ms() + 50).ok());
  EXPECT_TRUE(store->claim_deliveries(4, 60000)->empty());  // not due yet
  std::this_thread::sleep_for(std::chrono::milliseconds(70));
  due = store->claim_deliveries(4, 60000);
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].attempts, 1);
  ASSERT_TRUE(
      store->record_attempt(id, false, std::nullopt, "connection refused", std::nullopt).ok());
  auto found = store->find(a.id);
  const Delivery& d = (*found)->deliveries[0];
  EXPECT_EQ(d.state, DeliveryState::kDead);
  EXPECT_EQ(d.attempts, 2);
  EXPECT_EQ(d.last_error, "connection refused");
  EXPECT_EQ(store->counts()->deliveries_dead, 1);
  JobQuery dead;
  dead.delivery = DeliveryState::kDead;
  EXPECT_EQ(store->list(dead)->jobs.size(), 1u);
}

TEST(JobStore, TwoConnectionsNeverClaimTheSameJob) {
  // Two stores on one file stand for pictor serve and pictor worker.
  const std::string path = db_path("shared.db");
  auto first = open_sqlite_job_store(path), second = open_sqlite_job_store(path);
  ASSERT_TRUE(first.ok() && second.ok());
  for (int i = 0; i < 200; ++i)
    ASSERT_TRUE((*first)->submit(one(image_job("i" + std::to_string(i)))).ok());
  std::vector<std::string> got1, got2;
  auto drain = [](JobStore& store, const std::string& owner, std::vector<std::string>& got) {
    while (true) {
      auto batch = store.claim(owner, 3, 60000);
      ASSERT_TRUE(batch.ok()) << batch.status().ToString();
      if (batch->empty()) return;
      for (const Job& j : *batch) got.push_back(j.id);
    }
  };
  std::thread t1([&] { drain(**first, "w1", got1); });
  std::thread t2([&] { drain(**second, "w2", got2); });
  t1.join();
  t2.join();
  std::set<std::string> all(got1.begin(), got1.end());
  all.insert(got2.begin(), got2.end());
  EXPECT_EQ(got1.size() + got2.size(), 200u);
  EXPECT_EQ(all.size(), 200u);
}

TEST(JobStore, PagesAreNewestFirst) {
  auto store = open_store("pages.db");
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    Job j = image_job("x");
    ids.push_back(j.id);
    ASSERT_TRUE(store->submit(one(j)).ok());
  }
  JobQuery q;
  q.limit = 2;
  auto page = store->list(q);
  ASSERT_EQ(page->jobs.size(), 2u);
  EXPECT_EQ(page->jobs[0].id, ids[4]);
  ASSERT_TRUE(page->next_cursor);
  q.cursor = page->next_cursor;
  page = store->list(q);
  EXPECT_EQ(page->jobs[0].id, ids[2]);
  q.cursor = "x";
  EXPECT_EQ(store->list(q).status().code(), ErrorCode::kInvalidValue);
}

TEST(CallbackSignature, VerifiesAndRefusesTamperingAndOldTimestamps) {
  const std::string body = R"({"type":"analysis.succeeded"})";
  const int64_t now = 1'800'000'000;
  const std::string header = callback_signature("secret", now, body);
  EXPECT_TRUE(header.starts_with("t=1800000000,v1="));
  EXPECT_EQ(header.size(), std::string("t=1800000000,v1=").size() + 64);
  EXPECT_TRUE(verify_callback_signature("secret", header, body, now + 10));
  EXPECT_FALSE(verify_callback_signature("other", header, body, now));
  EXPECT_FALSE(verify_callback_signature("secret", header, body + " ", now));
  EXPECT_FALSE(verify_callback_signature("secret", header, body, now + 301));
  EXPECT_FALSE(verify_callback_signature("secret", "v1=abc", body, now));
  // The timestamp is signed: moving it breaks the signature.
  std::string moved = header;
  moved.replace(2, 10, "1800000100");
  EXPECT_FALSE(verify_callback_signature("secret", moved, body, now + 100));
}

TEST(CallbackSecret, PerKeyAndStoredOnce) {
  EXPECT_NE(callback_secret_for("server", "key-a"), callback_secret_for("server", "key-b"));
  EXPECT_EQ(callback_secret_for("server", "key-a"), callback_secret_for("server", "key-a"));
  EXPECT_EQ(callback_secret_for("server", "").size(), 64u);
  const std::string path = db_path("secret");
  auto created = load_or_create_secret("", path);
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(created->size(), 64u);
  EXPECT_EQ(*load_or_create_secret("", path), *created);
  EXPECT_EQ(fs::status(path).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(*load_or_create_secret("configured-secret", path), "configured-secret");
}

TEST(Backoff, FollowsTheScheduleWithJitterThenStops) {
  std::mt19937_64 random(7);
  const std::vector<int64_t> delays = {1000, 2000, 4000};
  for (int round = 0; round < 200; ++round) {
    for (int attempt = 1; attempt <= 3; ++attempt) {
      auto d = next_attempt_delay(attempt, delays, random);
      ASSERT_TRUE(d);
      EXPECT_GE(*d, delays[attempt - 1] * 8 / 10);
      EXPECT_LE(*d, delays[attempt - 1] * 12 / 10);
    }
    EXPECT_FALSE(next_attempt_delay(4, delays, random));
  }
  // Jittered: not every wait is the same.
  std::set<int64_t> seen;
  for (int i = 0; i < 20; ++i) seen.insert(*next_attempt_delay(1, delays, random));
  EXPECT_GT(seen.size(), 10u);
}

}  // namespace
}  // namespace pictor::jobs
