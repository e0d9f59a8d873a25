#include "drivers/SerialScale.h"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <utility>

#include "drivers/MtSics.h"

namespace drivers {

namespace {

namespace asio = boost::asio;

bool isMtSics(SerialScaleProtocol protocol) {
    return protocol != SerialScaleProtocol::Toledo;
}

}  // namespace

struct SerialScale::Impl : std::enable_shared_from_this<SerialScale::Impl> {
    using ZeroDone = std::function<void(const std::string&)>;

    Impl(asio::io_context& context, std::string scaleName, SerialSettings settings,
         SerialScaleOptions scaleOptions)
        : io(context),
          name(std::move(scaleName)),
          options(scaleOptions),
          toledo(scaleOptions.checksum),
          timer(context),
          link(context, std::move(settings),
               SerialLink::Events{
                   .connected = [this] { onConnected(); },
                   .data = [this](std::string_view bytes) { onData(bytes); },
                   .disconnected = [this](const std::string& why) { onDisconnected(why); },
               }) {}

    void start(ScaleHandler handler) {
        onReading = std::move(handler);
        stopped = false;
        link.start();
    }

    void stop() {
        stopped = true;
        timer.cancel();
        link.stop();
        failZeros("scale " + name + " was stopped");
        onReading = nullptr;
        last = {ScaleStatus::Disconnected, 0};
    }

    void onConnected() {
        dropNext = true;
        missed = 0;
        awaiting = false;
        sics.reset();
        toledo.reset();
        lastError.clear();
        if (isMtSics(options.protocol)) {
            sendPoll();
        } else {
            armSilenceTimer();
        }
    }

    void onDisconnected(const std::string& why) {
        timer.cancel();
        failZeros("scale " + name + " went away: " + why);
        publish({ScaleStatus::Disconnected, 0});
    }

    // MT-SICS: one command in flight at a time; the timer is the answer deadline, and once the
    // answer is in, the wait until the next poll.
    void sendPoll() {
        link.write(std::string(options.protocol == SerialScaleProtocol::MtSicsStable
                                   ? kMtSicsStableWeight
                                   : kMtSicsImmediateWeight));
        awaiting = true;
        armTimer(options.answerTimeout);
    }

    void armTimer(std::chrono::milliseconds after) {
        timer.expires_after(after);
        timer.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
            auto self = weak.lock();
            if (!ec && self && !self->stopped) {
                self->onTimer();
            }
        });
    }

    void armSilenceTimer() { armTimer(options.answerTimeout * options.missedAnswers); }

    void onTimer() {
        if (!link.connected()) {
            return;
        }
        if (!isMtSics(options.protocol)) {
            link.restart("no frame from the scale for " +
                         std::to_string((options.answerTimeout * options.missedAnswers).count()) +
                         " ms");
            return;
        }
        if (awaiting && ++missed >= options.missedAnswers) {
            link.restart("the scale did not answer " + std::to_string(missed) + " commands");
            return;
        }
        if (awaiting && options.protocol == SerialScaleProtocol::MtSicsStable) {
            // Still waiting for "S" to settle: whatever is on the scale is moving.
            publish({ScaleStatus::InMotion, 0});
        }
        sendPoll();
    }

    void onData(std::string_view bytes) {
        if (isMtSics(options.protocol)) {
            for (const MtSicsReply& reply : sics.feed(bytes)) {
                onSicsReply(reply);
            }
            return;
        }
        for (const ToledoFrame& frame : toledo.feed(bytes)) {
            armSilenceTimer();
            if (!frame.ok) {
                lastError = frame.error;
                continue;
            }
            accept(frame.reading);
        }
    }

    void onSicsReply(const MtSicsReply& reply) {
        using Kind = MtSicsReply::Kind;
        switch (reply.kind) {
            case Kind::Weight:
            case Kind::Overload:
            case Kind::Underload:
                answered();
                accept(reply.reading);
                return;
            case Kind::Busy:
                // "S I": the scale cannot give a stable weight now (still moving).
                answered();
                accept({ScaleStatus::InMotion, 0});
                return;
            case Kind::Zeroed:
                finishZero({});
                return;
            case Kind::ZeroRefused:
                finishZero("the scale refused to zero: " + reply.error);
                return;
            case Kind::CommandError:
                if (!zeros.empty()) {
                    finishZero("the scale refused the zero command: " + reply.error);
                } else {
                    answered();
                    lastError = reply.error;
                }
                return;
            case Kind::Unreadable:
                lastError = reply.error;
                return;
        }
    }

    void answered() {
        if (!awaiting) {
            return;
        }
        awaiting = false;
        missed = 0;
        armTimer(options.pollInterval);
    }

    void accept(const ScaleReading& reading) {
        if (dropNext) {
            // The first answer after opening may describe the scale before we looked (the
            // previous parcel): only the next one counts.
            dropNext = false;
            return;
        }
        publish(reading);
    }

    void publish(const ScaleReading& reading) {
        if (reading == last) {
            return;
        }
        last = reading;
        if (const ScaleHandler handler = onReading) {
            handler(reading);
        }
    }

    void zero(ZeroDone done) {
        if (!isMtSics(options.protocol)) {
            asio::post(io, [done = std::move(done), scale = name] {
                done("scale " + scale + " (Toledo continuous) has no zero command: not supported");
            });
            return;
        }
        if (!link.connected()) {
            asio::post(io, [done = std::move(done), scale = name, why = link.detail()] {
                done("scale " + scale + " is not connected: " + why);
            });
            return;
        }
        zeros.push_back(std::move(done));
        link.write(std::string(kMtSicsZero));
    }

    void finishZero(const std::string& error) {
        if (zeros.empty()) {
            return;
        }
        ZeroDone done = std::move(zeros.front());
        zeros.pop_front();
        done(error.empty() ? error : "scale " + name + ": " + error);
    }

    void failZeros(const std::string& why) {
        while (!zeros.empty()) {
            ZeroDone done = std::move(zeros.front());
            zeros.pop_front();
            asio::post(io, [done = std::move(done), why] { done(why); });
        }
    }

    asio::io_context& io;
    const std::string name;
    const SerialScaleOptions options;
    MtSicsStream sics;
    ToledoStream toledo;
    asio::steady_timer timer;
    ScaleHandler onReading;
    ScaleReading last;  // Disconnected until a fresh reading arrives
    std::string lastError;
    std::deque<ZeroDone> zeros;
    bool dropNext = true;
    bool awaiting = false;
    int missed = 0;
    bool stopped = true;
    SerialLink link;  // last: its events use the members above
};

SerialScale::SerialScale(boost::asio::io_context& io, std::string name, SerialSettings settings,
                         SerialScaleOptions options)
    : impl_(std::make_shared<Impl>(io, std::move(name), std::move(settings), options)) {}

SerialScale::~SerialScale() {
    impl_->stop();
}

const std::string& SerialScale::name() const {
    return impl_->name;
}

void SerialScale::start(ScaleHandler onReading) {
    impl_->start(std::move(onReading));
}

void SerialScale::stop() {
    impl_->stop();
}

ScaleReading SerialScale::last() const {
    return impl_->last;
}

DeviceStatus SerialScale::status() const {
    DeviceStatus status;
    status.name = impl_->name;
    status.kind = isMtSics(impl_->options.protocol) ? "mt-sics" : "toledo";
    status.role = "scale";
    status.up = impl_->link.connected();
    status.detail = impl_->link.detail();
    if (status.up) {
        status.detail += impl_->last.status == ScaleStatus::Disconnected
                             ? ": waiting for a fresh reading"
                             : ": " + std::string(toString(impl_->last.status));
        if (!impl_->lastError.empty()) {
            status.detail += "; last unreadable answer: " + impl_->lastError;
        }
    }
    return status;
}

void SerialScale::zero(std::function<void(const std::string& error)> done) {
    impl_->zero(std::move(done));
}

}  // namespace drivers
