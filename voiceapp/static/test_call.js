// Test call page: a phone keypad that calls one of our numbers through the server's own
// carrier emulator, over one WebSocket (voiceapp/admin/test_call.py documents the
// messages). Each prompt is heard as a caller hears it, one after the other: our audio
// file when the server plays one, else the text spoken by the browser in the prompt's
// language. No framework, no build step.
"use strict";
(function () {
  const root = document.getElementById("test-call");
  if (!root) return;
  const text = root.dataset;
  const select = document.getElementById("test-call-number");
  const answer = document.getElementById("test-call-answer");
  const startButton = document.getElementById("test-call-start");
  const hangupButton = document.getElementById("test-call-hangup");
  const keyButtons = Array.from(root.querySelectorAll("button.key"));
  const typed = document.getElementById("test-call-keys");
  const status = document.getElementById("test-call-status");
  const transcript = document.getElementById("test-call-transcript");
  const transcriptBox = transcript.closest("section");
  // As admin.css lays the page out for a phone: the transcript above the keypad.
  const narrow = window.matchMedia("(max-width: 47.99rem)");
  const empty = document.getElementById("test-call-empty");
  const players = document.getElementById("test-call-audio");
  const KEYS = "0123456789*#";

  let socket = null;
  let ended = false; // the server said the call ended (it may still have a goodbye to play)
  let hungUp = false; // the admin hung up: nothing more is played
  let refusal = ""; // why the server did not place the call
  let listening = false; // a <Gather> waits for keys
  let heardSent = false;
  const queue = []; // what the caller hears next, in order: {audio} or {speak}
  const STALL_MS = 5000; // a prompt whose playback has not moved for this long is stalled
  let playing = null; // what is heard now: {stop()}
  let holdMusic = null;

  function setStatus(message) {
    status.textContent = message;
  }

  function addLine(kind, line, lang, continues) {
    if (!line) return;
    empty.hidden = true;
    const last = transcript.lastElementChild;
    if (continues && last) {
      // The next piece of the sentence on the last line (a value, then its words).
      last.append(" " + line);
      transcript.scrollTop = transcript.scrollHeight;
      return;
    }
    const item = document.createElement("li");
    item.className = "event-" + kind;
    item.textContent = line;
    if (lang) item.lang = lang; // read out in the caller's language, not the page's
    transcript.appendChild(item);
    // The list scrolls, not the page: on a phone the keypad stays where it is.
    transcript.scrollTop = transcript.scrollHeight;
  }

  function setInCall(on) {
    startButton.disabled = on;
    select.disabled = on;
    if (answer) answer.disabled = on;
    hangupButton.disabled = !on;
    keyButtons.forEach(function (button) { button.disabled = !on; });
  }

  // ---- what the caller hears: one prompt at a time, each after the previous ends ----

  function playNext() {
    if (playing) return;
    const next = queue.shift();
    if (!next) {
      drained();
      return;
    }
    if (next.audio && next.loop) {
      startHoldMusic(next.audio);
      playNext();
      return;
    }
    playing = next.audio ? playFile(next.audio) : speak(next.speak);
  }

  function finished() {
    playing = null;
    playNext();
  }

  // All that was sent has been heard: the waiting <Gather> may start its timeout.
  function drained() {
    if (listening && !heardSent && socket && socket.readyState === WebSocket.OPEN) {
      heardSent = true;
      socket.send(JSON.stringify({ type: "heard" }));
    }
  }

  function player(src) {
    const audio = document.createElement("audio");
    audio.preload = "auto";
    audio.src = src;
    players.appendChild(audio);
    return audio;
  }

  function playFile(src) {
    const audio = player(src);
    let done = false;
    function end() {
      if (done) return;
      done = true;
      finished();
    }
    audio.addEventListener("ended", end);
    audio.addEventListener("error", end); // a file that cannot play must not stop the call
    audio.play().catch(end);
    // A stream that stops moving (seen once in a few runs of headless Chromium: stuck at
    // 8 ms) is loaded and played again from where it was, once; if it stalls again, the
    // caller moves on: a prompt must never hold the call up.
    let retried = false;
    let last = -1;
    const watchdog = window.setInterval(function () {
      if (done) {
        window.clearInterval(watchdog);
        return;
      }
      if (audio.currentTime !== last) {
        last = audio.currentTime;
        return;
      }
      if (retried) {
        window.clearInterval(watchdog);
        end();
        return;
      }
      retried = true;
      const at = audio.currentTime;
      audio.load();
      audio.currentTime = at;
      audio.play().catch(end);
    }, STALL_MS);
    return { stop: function () { done = true; window.clearInterval(watchdog); audio.pause(); } };
  }

  function voiceFor(lang) {
    const voices = window.speechSynthesis.getVoices();
    const base = lang.split("-")[0];
    return voices.find(function (v) { return v.lang === lang; }) ||
      voices.find(function (v) { return v.lang.split("-")[0] === base; }) || null;
  }

  function speak(said) {
    if (!window.speechSynthesis || !window.SpeechSynthesisUtterance) {
      window.setTimeout(finished, 0);
      return { stop: function () {} };
    }
    const utterance = new SpeechSynthesisUtterance(said.text);
    if (said.lang) {
      utterance.lang = said.lang;
      const voice = voiceFor(said.lang);
      if (voice) utterance.voice = voice;
    }
    let done = false;
    let watchdog = 0;
    function end() {
      if (done) return;
      done = true;
      window.clearTimeout(watchdog);
      finished();
    }
    utterance.addEventListener("end", end);
    utterance.addEventListener("error", end);
    // A browser with no voice for the language may never say it is done: go on after
    // about the time the sentence takes.
    watchdog = window.setTimeout(end, 2000 + said.text.length * 90);
    window.speechSynthesis.speak(utterance);
    return {
      stop: function () {
        done = true;
        window.clearTimeout(watchdog);
        window.speechSynthesis.cancel();
      },
    };
  }

  function startHoldMusic(src) {
    stopHoldMusic();
    holdMusic = player(src);
    holdMusic.loop = true;
    holdMusic.play().catch(function () {});
  }

  function stopHoldMusic() {
    if (holdMusic) holdMusic.pause();
    holdMusic = null;
  }

  // A key cuts the <Gather>'s prompts short, as on a phone; hanging up stops everything.
  function silence() {
    queue.length = 0;
    if (playing) playing.stop();
    playing = null;
  }

  // ---- the call ----

  function socketUrl() {
    const url = new URL(text.socket, window.location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    return url.href;
  }

  function call() {
    transcript.replaceChildren();
    players.replaceChildren();
    empty.hidden = false;
    typed.textContent = "";
    ended = false;
    hungUp = false;
    refusal = "";
    listening = false;
    setInCall(true);
    setStatus(text.textCalling);
    // On a phone the transcript now sits above the keypad (admin.css): bring both on
    // screen, so the prompts can be read while dialling.
    root.classList.add("started");
    if (narrow.matches) transcriptBox.scrollIntoView({ block: "start" });
    socket = new WebSocket(socketUrl());
    socket.addEventListener("open", function () {
      const asked = { type: "call", to: select.value };
      if (answer) asked.answer = answer.value;
      socket.send(JSON.stringify(asked));
    });
    socket.addEventListener("message", function (message) {
      receive(JSON.parse(message.data));
    });
    socket.addEventListener("close", closed);
  }

  function receive(message) {
    if (message.type === "refused") {
      refusal = message.message;
      addLine("refused", refusal);
      return;
    }
    if (message.type === "status") {
      // The room's count of callers changed: others joined or left.
      if (!ended) setStatus(message.line);
      return;
    }
    if (message.type !== "event") return;
    const kind = message.kind;
    if (kind !== "gather") addLine(kind, message.line, message.lang, message.continues);
    if (hungUp) return;
    if (message.audio) queue.push({ audio: message.audio, loop: !!message.loop });
    else if (message.speak) queue.push({ speak: message.speak });
    if (kind === "gather") {
      listening = true;
      heardSent = false;
      typed.textContent = "";
      setStatus(text.textWaiting);
    } else if (kind === "keypad" || kind === "silence") {
      listening = false;
      setStatus(text.textConnected);
    } else if (kind === "conference") {
      setStatus(message.line);
    } else if (kind === "hangup") {
      ended = true;
      listening = false;
      stopHoldMusic();
    }
    playNext();
  }

  function closed() {
    socket = null;
    listening = false;
    const lost = !ended && !refusal;
    if (lost || refusal) {
      silence();
      stopHoldMusic();
    }
    if (lost) addLine("hangup", text.textLost);
    setStatus(refusal || (lost ? text.textLost : text.textEnded));
    setInCall(false);
    startButton.focus();
  }

  function press(key) {
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    socket.send(JSON.stringify({ type: "key", key: key }));
    typed.textContent += key;
    if (listening) silence();
  }

  function hangUp() {
    if (!socket) return;
    ended = true;
    hungUp = true;
    silence();
    stopHoldMusic();
    if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "hangup" }));
  }

  startButton.addEventListener("click", call);
  hangupButton.addEventListener("click", hangUp);
  keyButtons.forEach(function (button) {
    button.addEventListener("click", function () { press(button.dataset.key); });
  });
  // The computer's keyboard is a keypad too, except while typing in a field.
  document.addEventListener("keydown", function (event) {
    if (!socket || event.ctrlKey || event.metaKey || event.altKey) return;
    if (KEYS.indexOf(event.key) < 0 || event.key.length !== 1) return;
    if (event.target.closest && event.target.closest("input, select, textarea")) return;
    event.preventDefault();
    press(event.key);
  });
  // Leaving the page hangs up (the server does too when the socket drops).
  window.addEventListener("pagehide", function () {
    if (socket) socket.close();
  });
})();
