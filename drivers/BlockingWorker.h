// A thread of its own for calls that block (libcups), so they never hold up the io_context:
// tasks run one at a time in order, and their results are posted back to the io_context.
#pragma once

#include <boost/asio/async_result.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>

namespace drivers {

class BlockingWorker {
  public:
    BlockingWorker() : thread_([this] { run(); }) {}
    // Lets the running task finish and drops the queued ones.
    ~BlockingWorker() {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
            tasks_.clear();
        }
        wake_.notify_all();
        if (std::this_thread::get_id() == thread_.get_id()) {
            thread_.detach();  // the last owner went away inside one of our own tasks
        } else {
            thread_.join();
        }
    }
    BlockingWorker(const BlockingWorker&) = delete;
    BlockingWorker& operator=(const BlockingWorker&) = delete;

    void post(std::function<void()> task) {
        {
            std::lock_guard lock(mutex_);
            tasks_.push_back(std::move(task));
        }
        wake_.notify_one();
    }

  private:
    void run() {
        std::unique_lock lock(mutex_);
        for (;;) {
            wake_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
            if (stopping_) {
                return;
            }
            std::function<void()> task = std::move(tasks_.front());
            tasks_.pop_front();
            lock.unlock();
            task();
            lock.lock();
        }
    }

    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::function<void()>> tasks_;
    bool stopping_ = false;
    std::thread thread_;  // last: starts once the members above exist
};

// Runs `call` on the worker; completes with its result on `io` (co_await it with
// use_awaitable). `call` must not touch anything that the io_context thread uses.
template <typename Result, typename Token>
auto asyncBlocking(BlockingWorker& worker, boost::asio::io_context& io,
                   std::function<Result()> call, Token&& token) {
    return boost::asio::async_initiate<Token, void(Result)>(
        [&worker, &io](auto handler, std::function<Result()> work) {
            auto shared = std::make_shared<decltype(handler)>(std::move(handler));
            worker.post([shared, work = std::move(work), &io]() mutable {
                Result result = work();
                boost::asio::post(io, [shared, result = std::move(result)]() mutable {
                    (*shared)(std::move(result));
                });
            });
        },
        token, std::move(call));
}

}  // namespace drivers
