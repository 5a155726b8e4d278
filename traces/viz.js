// sysfsim's additions to porcupine's page (traces/vizpage.go), run after
// porcupine's render() drew it, from `sysfsim` (a vizPage) and porcupine's
// `data`. What it relies on in porcupine's drawing (v1.3.1): one svg in
// #canvas; its first group holds a label per row (the clients, then the
// annotation tags in sorted order); its last group holds a transparent
// target rect per operation and annotation, with data-partition (the
// annotations are the partition after the last) and data-index; an
// invalid linearization point is a line.linearization-invalid, hidden
// when its group has class "hidden". The browser test (cmd/sysfsim,
// TestPagesInChromium) fails when that changes.
;(function () {
  'use strict'
  const SVG = 'http://www.w3.org/2000/svg'
  const PADDING = 10 // porcupine's, around the drawing and each label
  const svg = document.querySelector('#canvas svg')
  if (!svg || typeof data === 'undefined') {
    return
  }

  document.title = sysfsim.title
  addStyle()
  addLegend()
  const targets = svg.lastElementChild
  const labels = [...svg.querySelector('g').querySelectorAll(':scope > text')]
  nameRows(labels)
  const marks = outline()
  const column = freezeLabels(labels)
  scrollToFirstError(
    marks.find((m) => m.dataset.sysfsim === 'culprit'),
    [...marks, ...errorNotes(), ...firstInvalidPoint()],
    column.right,
  )
  // The scroll event comes a frame later: until then the labels would
  // stand where the page was before it scrolled, off the window's edge.
  column.follow()

  function addStyle() {
    const style = document.createElement('style')
    style.textContent = `
      .sysfsim-legend { font-size: 0.8rem; padding: 2px 4px; max-width: 656px; }
      .sysfsim-legend b { color: #d00; }
      .sysfsim-mark { fill: none; stroke: #d00; stroke-width: 3; pointer-events: none; }
      .sysfsim-labels { pointer-events: none; }
      .sysfsim-labels rect { fill: #fff; }
    `
    document.head.append(style)
  }

  function addLegend() {
    const legend = document.createElement('div')
    legend.className = 'sysfsim-legend'
    legend.innerHTML =
      'Rows: <i>setup</i> and the threads <i>T0, T1, ...</i> as <code>sysfsim show</code> names them, ' +
      'then one per violated property. <b>Outlined in red:</b> the operations the violations name.'
    const box = document.querySelector('#legend')
    box.append(legend)
    // The legend stays on top of the page: the drawing starts below it.
    document.querySelector('#canvas').style.marginTop = box.getBoundingClientRect().bottom + 'px'
  }

  // nameRows names the client rows as sysfsim show does, and gives each
  // row label its name in data-row.
  function nameRows(labels) {
    const tags = new Set(data.Annotations.map((a) => a.Tag).filter((t) => t.length > 0))
    const clients = labels.length - tags.size
    for (const [i, label] of labels.entries()) {
      if (i < clients) {
        label.textContent = sysfsim.names[i] ?? 'T' + i
      }

      label.setAttribute('data-row', label.textContent)
    }
  }

  // outline draws a red frame over each operation sysfsim.marks names and
  // each annotation sysfsim.outlined names, and returns the frames, the
  // culprit's first. A frame has data-sysfsim "culprit" or "named".
  function outline() {
    const marked = new Set(sysfsim.marks)
    const named = []
    for (const [p, partition] of data.Partitions.entries()) {
      for (const [i, op] of partition.History.entries()) {
        const key = op.ClientId + ':' + op.OriginalStart
        if (marked.has(key)) {
          named.push([targetRect(p, i), key === sysfsim.culprit ? 'culprit' : 'named'])
        }
      }
    }

    named.push(...sysfsim.outlined.map((i) => [targetRect(data.Partitions.length, i), 'named']))
    return named
      .filter(([target]) => target)
      .sort((a, b) => (b[1] === 'culprit') - (a[1] === 'culprit'))
      .map(([target, kind]) => {
        const frame = document.createElementNS(SVG, 'rect')
        for (const k of ['x', 'y', 'width', 'height']) {
          frame.setAttribute(k, target.getAttribute(k))
        }

        frame.setAttribute('rx', 4)
        frame.setAttribute('class', 'sysfsim-mark')
        frame.setAttribute('data-sysfsim', kind)
        svg.insertBefore(frame, targets)
        return frame
      })
  }

  function targetRect(partition, index) {
    return targets.querySelector(`rect[data-partition="${partition}"][data-index="${index}"]`)
  }

  // errorNotes are the annotations that mark errors (sysfsim.errors).
  function errorNotes() {
    return sysfsim.errors.map((i) => targetRect(data.Partitions.length, i)).filter(Boolean)
  }

  // firstInvalidPoint is porcupine's first error: the leftmost shown
  // linearization point that is invalid.
  function firstInvalidPoint() {
    const points = [...svg.querySelectorAll('line.linearization-invalid.linearization-point')]
      .filter((l) => !l.parentElement.classList.contains('hidden'))
      .map((l) => [l.getBoundingClientRect().left, l])
      .sort((a, b) => a[0] - b[0])
    return points.slice(0, 1).map((p) => p[1])
  }

  // freezeLabels keeps the row labels at the left edge of the window as
  // the page scrolls, wide enough for their names, and returns the right
  // edge of their column in page coordinates and the function that moves
  // them to the window's left edge.
  function freezeLabels(labels) {
    const group = document.createElementNS(SVG, 'g')
    group.setAttribute('class', 'sysfsim-labels')
    const backing = document.createElementNS(SVG, 'rect')
    group.append(backing, ...labels)
    svg.append(group)
    const right = Number(labels[0].getAttribute('x'))
    const widest = Math.max(...labels.map((l) => l.getBBox().width))
    const shift = Math.max(0, widest + 2 * PADDING - right)
    if (shift > 0) {
      widen(shift, group)
      for (const l of labels) {
        l.setAttribute('x', right + shift)
      }
    }

    const width = right + shift + PADDING
    for (const [k, v] of Object.entries({x: 0, y: 0, width, height: svg.getAttribute('height')})) {
      backing.setAttribute(k, v)
    }

    const left = svg.getBoundingClientRect().left + window.scrollX
    const follow = () => {
      const x = Math.max(0, window.scrollX - left)
      group.setAttribute('transform', `translate(${x},0)`)
      backing.setAttribute('opacity', x > 0 ? 0.9 : 0)
    }

    follow()
    window.addEventListener('scroll', follow, {passive: true})
    return {right: left + width, follow}
  }

  // widen moves the drawing, all but the labels, right by dx.
  function widen(dx, labels) {
    const moved = document.createElementNS(SVG, 'g')
    moved.setAttribute('transform', `translate(${dx},0)`)
    for (const child of [...svg.children]) {
      if (child !== labels) {
        moved.append(child)
      }
    }

    svg.prepend(moved)
    svg.setAttribute('width', Number(svg.getAttribute('width')) + dx)
  }

  // scrollToFirstError scrolls the page so that the errors are in the
  // window, right of the labels: the culprit if there is one, else the
  // first error, and with it as many of the others as fit.
  function scrollToFirstError(culprit, errors, column) {
    if (errors.length === 0) {
      return
    }

    const view = document.documentElement
    const room = view.clientWidth - column
    const onPage = (e) => {
      const b = e.getBoundingClientRect()
      return {left: b.left + window.scrollX, right: b.right + window.scrollX, bottom: b.bottom + window.scrollY}
    }

    const boxes = errors.map(onPage).toSorted((a, b) => a.left - b.left)
    let span = culprit ? onPage(culprit) : boxes[0]
    for (const b of boxes) {
      const left = Math.min(span.left, b.left)
      const right = Math.max(span.right, b.right)
      if (right - left <= room - 8 * PADDING) {
        span = {left, right, bottom: Math.max(span.bottom, b.bottom)}
      }
    }

    const margin = Math.min(Math.max((room - (span.right - span.left)) / 2, 4 * PADDING), room / 4)
    window.scrollTo(Math.max(0, span.left - column - margin), Math.max(0, span.bottom + PADDING - view.clientHeight))
  }
})()
