// Reads a Zebra printer's answer to ~HS (host status): three STX...ETX strings with paper,
// head, pause and ribbon flags. A partial or garbled answer is an error, never "ready".
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace drivers {

inline constexpr std::string_view kZplHostStatusQuery = "~HS";

struct ZebraHostStatus {
    // String 1: aaa,b,c,dddd,eee,f,g,h,iii,j,k,l
    bool paperOut = false;          // b
    bool paused = false;            // c
    int formatsInBuffer = 0;        // eee
    bool bufferFull = false;        // f
    bool corruptRam = false;        // j
    bool underTemperature = false;  // k
    bool headTooHot = false;        // l (over temperature)
    // String 2: mmm,n,o,p,q,r,s,t,uuuuuuuu,v,www
    bool headOpen = false;      // o
    bool ribbonOut = false;     // p
    bool labelWaiting = false;  // t (peel-off: a label waits to be taken)
    long labelsRemaining = 0;   // uuuuuuuu, labels still to print in the current batch

    // "paper out, head open" for everything that keeps the printer from printing; empty when
    // it can print.
    std::string problems() const;
    bool canPrint() const { return problems().empty(); }
};

struct HostStatusParse {
    std::optional<ZebraHostStatus> status;
    std::string error;  // when !status: what was wrong with the answer
};

// Parses a complete answer (three strings, CR LF between them tolerated).
HostStatusParse parseHostStatus(std::string_view reply);

// How many bytes of `received` make up a complete answer, up to and including the third ETX;
// 0 while it is still incomplete. Lets a reader know when to stop reading.
std::size_t hostStatusReplyLength(std::string_view received);

// Gathers one answer to ~HS as its bytes arrive, whatever carries them (a TCP connection, USB
// bulk IN), so that every printer driver judges the answer alike.
class HostStatusReader {
  public:
    // About 100 bytes make an answer; far more than that without its end is not a Zebra.
    static constexpr std::size_t kMaxBytes = 4096;

    // Adds what arrived; true once nothing more is needed: the answer is complete, or too long
    // to be one.
    bool add(std::string_view bytes);
    // Once add() returned true: the printer's status, or what was wrong with its answer.
    HostStatusParse result() const;
    // Why there is no status when the reading stopped before add() returned true (a timeout, a
    // closed connection): "no answer to ~HS: <why>", or "incomplete answer to ~HS: <why>".
    std::string cutShort(const std::string& why) const;

  private:
    std::string received_;
    std::size_t length_ = 0;
};

}  // namespace drivers
