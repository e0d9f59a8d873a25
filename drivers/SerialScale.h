// A scale on a serial line, MT-SICS (polled with "SI" or "S") or Toledo continuous, reopened
// after an unplug; a scale that never settles is reported in motion, never as a weight.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "drivers/Scale.h"
#include "drivers/SerialLink.h"
#include "drivers/ToledoContinuous.h"

namespace drivers {

enum class SerialScaleProtocol {
    MtSicsImmediate,  // "SI" every poll: "S S" stable, "S D" in motion
    MtSicsStable,     // "S": the scale answers once stable, or "S I" when it cannot settle
    Toledo,           // the scale streams frames; nothing is sent
};

struct SerialScaleOptions {
    SerialScaleProtocol protocol = SerialScaleProtocol::MtSicsImmediate;
    ToledoChecksum checksum = ToledoChecksum::Ignore;
    // MT-SICS: a command this often (only once the previous one was answered or timed out).
    std::chrono::milliseconds pollInterval{200};
    // MT-SICS: an answer is due within this; with "S" the scale may wait for stability first.
    std::chrono::milliseconds answerTimeout{1000};
    // MT-SICS: this many unanswered commands in a row, or Toledo: no frame for
    // `answerTimeout` x this: the scale is reported Disconnected and the port reopened.
    int missedAnswers = 3;
};

class SerialScale : public Scale {
  public:
    SerialScale(boost::asio::io_context& io, std::string name, SerialSettings settings,
                SerialScaleOptions options = {});
    ~SerialScale() override;

    const std::string& name() const override;
    // Readings go to `onReading` when they change. The first one after (re)opening the port is
    // dropped (it may be from before); the port gone or the scale silent: Disconnected.
    void start(ScaleHandler onReading) override;
    void stop() override;
    ScaleReading last() const override;
    DeviceStatus status() const override;  // kind "mt-sics" or "toledo"

    // MT-SICS "Z". `done` gets an empty string when the scale zeroed, else why not (Toledo
    // continuous has no command channel: "not supported").
    void zero(std::function<void(const std::string& error)> done) override;

  private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace drivers
