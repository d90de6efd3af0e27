// The reader manager's thread pool with one strand per reader: jobs for one
// card run in order and never interleave; different cards run in parallel.
#pragma once

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <functional>
#include <map>
#include <mutex>
#include <string>

namespace hcbridge::core {

class CardWorkers {
 public:
  // How many cards may be worked on at the same time; more readers than this
  // still work, their operations just wait for a free thread.
  static constexpr std::size_t kThreads = 4;

  CardWorkers() : pool_(kThreads) {}

  // Queues the job behind the reader's earlier jobs; false once stopped.
  bool post(const std::string& reader, std::function<void()> job) {
    std::lock_guard lock(mutex_);
    if (stopped_) return false;
    auto it = strands_.find(reader);
    if (it == strands_.end()) it = strands_.emplace(reader, boost::asio::make_strand(pool_)).first;
    boost::asio::post(it->second, std::move(job));
    return true;
  }

  // Runs what is queued, then joins the threads.
  void stop() {
    {
      std::lock_guard lock(mutex_);
      if (stopped_) return;
      stopped_ = true;
    }
    pool_.join();
  }

 private:
  boost::asio::thread_pool pool_;
  std::mutex mutex_;
  bool stopped_ = false;
  std::map<std::string, boost::asio::strand<boost::asio::thread_pool::executor_type>> strands_;
};

}  // namespace hcbridge::core
