"""The hall's three web pages: the ticket kiosk, the hall display and the
evaluation pad. Small, self-contained (no files from elsewhere: the hall's
network reaches nothing else), touch-sized, Chinese first; each page's
words come from the translation catalog as ``window.T``."""

from __future__ import annotations

import html
import json

from counter_app.i18n import _

_BASE_CSS = """
*{box-sizing:border-box}
body{margin:0;font-family:"WenQuanYi Micro Hei","Noto Sans CJK SC",sans-serif;
background:#f4f7fb;color:#1b2733;-webkit-user-select:none;user-select:none}
header{background:#1f4e8c;color:#fff;padding:18px 28px;font-size:32px;font-weight:bold}
main{padding:24px}
button{font:inherit;border-radius:16px;border:3px solid #8aa1c1;background:#fff;
cursor:pointer;touch-action:manipulation}
button:active{transform:scale(.98)}
.hidden{display:none!important}
.note{font-size:24px;color:#4a5b6d;text-align:center;margin:16px}
"""

_PAGE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1,user-scalable=no">
<title>{title}</title><style>{css}</style></head>
<body><header id="title">{title}</header><main>{body}</main>
<script>window.T={texts};</script><script>{script}</script></body></html>"""


def _page(title: str, css: str, body: str, texts: dict[str, str], script: str) -> str:
    return _PAGE.format(
        title=html.escape(title),
        css=_BASE_CSS + css,
        body=body,
        texts=json.dumps(texts, ensure_ascii=False).replace("</", "<\\/"),
        script=script,
    )


_KIOSK_CSS = """
#types{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:24px}
.type-btn{min-height:170px;font-size:40px;font-weight:bold;padding:16px}
.type-btn small{display:block;font-size:24px;font-weight:normal;color:#4a5b6d;margin-top:8px}
#result{text-align:center;padding-top:30px}
#ticket-number{font-size:150px;font-weight:bold;color:#1f4e8c}
#result p{font-size:30px;margin:10px}
#print-error{color:#b42318}
"""

_KIOSK_JS = """
const T=window.T;let busy=false,back=null;
function el(t,c,x){const e=document.createElement(t);if(c)e.className=c;if(x!==undefined)e.textContent=x;return e}
async function load(){try{const r=await fetch('api/hall',{cache:'no-store'});
 const s=await r.json();const box=document.getElementById('types');box.textContent='';
 for(const t of s.types){const b=el('button','type-btn',t.name);b.dataset.type=t.code;
  b.appendChild(el('small','',T.waiting.replace('{n}',t.waiting)));
  b.onclick=()=>issue(t.code);box.appendChild(b)}
 document.getElementById('offline').classList.toggle('hidden',s.source!=='local');
}catch(e){document.getElementById('status').textContent=T.unreachable}}
async function issue(code){if(busy)return;busy=true;
 try{const r=await fetch('api/tickets',{method:'POST',headers:{'Content-Type':'application/json'},
  body:JSON.stringify({business_type:code})});const a=await r.json();
  if(!r.ok){document.getElementById('status').textContent=a.message||T.failed;return}
  document.getElementById('ticket-number').textContent=a.ticket.number;
  document.getElementById('ticket-ahead').textContent=T.ahead.replace('{n}',a.waiting_before);
  const pe=document.getElementById('print-error');
  pe.textContent=a.print_error?T.print_failed.replace('{error}',a.print_error):(a.printed?T.take:'');
  document.getElementById('choose').classList.add('hidden');
  document.getElementById('result').classList.remove('hidden');
  clearTimeout(back);back=setTimeout(reset,8000);
 }catch(e){document.getElementById('status').textContent=T.unreachable}finally{busy=false}}
function reset(){document.getElementById('result').classList.add('hidden');
 document.getElementById('choose').classList.remove('hidden');load()}
document.getElementById('done').onclick=reset;load();setInterval(()=>{if(!busy)load()},5000);
"""


def kiosk_page(hall_name: str) -> str:
    body = (
        '<div id="choose"><p class="note">{pick}</p><div id="types"></div>'
        '<p class="note hidden" id="offline">{offline}</p>'
        '<p class="note" id="status"></p></div>'
        '<div id="result" class="hidden"><p>{yours}</p><div id="ticket-number"></div>'
        '<p id="ticket-ahead"></p><p id="print-error"></p>'
        '<button id="done" class="type-btn">{done}</button></div>'
    ).format(
        pick=html.escape(_("请选择您要办理的业务，取号后请留意叫号")),
        offline=html.escape(_("暂时与中心平台断开，使用本机排队")),
        yours=html.escape(_("您的号码")),
        done=html.escape(_("完成")),
    )
    texts = {
        "waiting": _("等候 {n} 人"),
        "ahead": _("您前面还有 {n} 人等候"),
        "take": _("请取走号票"),
        "print_failed": _("号票未能打印（{error}），请记下号码"),
        "failed": _("取号失败，请联系大厅工作人员"),
        "unreachable": _("取号机暂时无法连接，请联系大厅工作人员"),
    }
    title = _("{hall} 取号").format(hall=hall_name)
    return _page(title, _KIOSK_CSS, body, texts, _KIOSK_JS)


_DISPLAY_CSS = """
body{background:#0d2340;color:#fff}
header{background:#081629;text-align:center}
#current{font-size:88px;font-weight:bold;text-align:center;color:#ffd54a;margin:30px 0;min-height:120px}
#current.flash{animation:flash 1s 3}
@keyframes flash{50%{opacity:.2}}
#called-list{list-style:none;padding:0;display:grid;grid-template-columns:1fr 1fr;gap:12px 40px;font-size:44px}
#called-list li{border-bottom:1px solid #35506f;padding:8px}
#waiting{font-size:28px;text-align:center;color:#b7c8de;margin-top:30px}
"""

_DISPLAY_JS = """
const T=window.T;let seen={},first=true;
function say(text){try{if('speechSynthesis' in window&&speechSynthesis.getVoices().length){
 const u=new SpeechSynthesisUtterance(text);u.lang='zh-CN';speechSynthesis.speak(u);return}}catch(e){}
 chime()}
function chime(){try{const C=window.AudioContext||window.webkitAudioContext;if(!C)return;
 const c=new C();[660,880].forEach((f,i)=>{const o=c.createOscillator(),g=c.createGain();
 o.frequency.value=f;o.connect(g);g.connect(c.destination);g.gain.value=.2;
 o.start(c.currentTime+i*.35);o.stop(c.currentTime+i*.35+.3)})}catch(e){}}
function text(t){return T.call.replace('{number}',t.number).replace('{window}',t.window_code)}
async function load(){try{const r=await fetch('api/hall',{cache:'no-store'});const s=await r.json();
 const list=document.getElementById('called-list');list.textContent='';
 for(const t of s.called){const li=document.createElement('li');li.textContent=
  T.row.replace('{number}',t.number).replace('{window}',t.window_code);li.dataset.number=t.number;list.appendChild(li)}
 const cur=document.getElementById('current');
 if(s.called.length){const t=s.called[0];const key=t.id+':'+t.calls;cur.textContent=text(t);
  if(!seen[key]){seen[key]=1;if(!first){cur.classList.remove('flash');void cur.offsetWidth;
   cur.classList.add('flash');say(text(t))}}}
 else cur.textContent=T.none;
 document.getElementById('waiting').textContent=s.types.map(
  t=>T.waiting.replace('{name}',t.name).replace('{n}',t.waiting)).join('　');
 first=false;document.getElementById('status').textContent='';
}catch(e){document.getElementById('status').textContent=T.unreachable}}
load();setInterval(load,1500);
"""


def display_page(hall_name: str) -> str:
    body = (
        '<div id="current"></div><ul id="called-list"></ul>'
        '<div id="waiting"></div><p class="note" id="status"></p>'
    )
    texts = {
        "call": _("请 {number} 号到 {window} 号窗口办理"),
        "row": _("{number} → {window} 号窗口"),
        "waiting": _("{name} 等候 {n} 人"),
        "none": _("请取号等候叫号"),
        "unreachable": _("叫号信息暂时无法更新"),
    }
    title = _("{hall} 叫号").format(hall=hall_name)
    return _page(title, _DISPLAY_CSS, body, texts, _DISPLAY_JS)


_PAD_CSS = """
#idle,#thanks{text-align:center;font-size:44px;padding-top:120px;color:#1f4e8c}
#info{font-size:26px;text-align:center;margin:0 0 14px}
#levels{display:grid;grid-template-columns:repeat(5,1fr);gap:14px}
.level-btn{min-height:110px;font-size:30px;font-weight:bold}
.level-btn.on,.reason-btn.on{background:#1f6feb;color:#fff;border-color:#1f6feb}
#reasons{display:grid;grid-template-columns:repeat(4,1fr);gap:12px;margin-top:12px}
.reason-btn{min-height:68px;font-size:24px}
#actions{display:flex;justify-content:center;gap:40px;margin-top:16px}
#submit,#skip{min-width:280px;min-height:90px;font-size:34px}
#submit{background:#1a7f37;color:#fff;border-color:#1a7f37}
#submit:disabled{background:#9bb8a3;border-color:#9bb8a3}
#message{color:#b42318}
"""

_PAD_JS = """
const T=window.T;const token=new URLSearchParams(location.search).get('t')||'';
let req=null,level=0,reasons=new Set(),done=false;
function show(id){for(const s of ['idle','rate','thanks'])document.getElementById(s).classList.toggle('hidden',s!==id)}
function el(t,c,x){const e=document.createElement(t);e.className=c;e.textContent=x;return e}
function build(s){const lv=document.getElementById('levels');lv.textContent='';
 for(const l of s.levels){const b=el('button','level-btn',l.label);b.dataset.level=l.level;
  b.onclick=()=>{level=l.level;for(const x of lv.children)x.classList.toggle('on',x===b);
   document.getElementById('submit').disabled=false;document.getElementById('message').textContent=''};lv.appendChild(b)}
 const rs=document.getElementById('reasons');rs.textContent='';
 for(const r of [...s.good_reasons,...s.bad_reasons]){const b=el('button','reason-btn',r);
  b.onclick=()=>{if(reasons.has(r))reasons.delete(r);else reasons.add(r);b.classList.toggle('on',reasons.has(r))};rs.appendChild(b)}}
async function poll(){if(done)return;try{const r=await fetch('api/pad?t='+encodeURIComponent(token),{cache:'no-store'});
 if(r.status===403){document.getElementById('idle').textContent=T.unpaired;show('idle');return}
 const s=await r.json();const q=s.request;
 if(!q){req=null;show('idle');return}
 if(!req||req.id!==q.id){req=q;level=0;reasons=new Set();build(s);
  document.getElementById('submit').disabled=true;document.getElementById('message').textContent='';
  document.getElementById('info').textContent=T.info.replace('{number}',q.acceptance_no).replace('{item}',q.item_name);show('rate')}
}catch(e){}}
async function send(path,body){const r=await fetch(path,{method:'POST',headers:{'Content-Type':'application/json'},
 body:JSON.stringify(Object.assign({t:token,request_id:req.id},body))});const a=await r.json().catch(()=>({}));
 if(!r.ok){document.getElementById('message').textContent=a.message||T.failed;return false}return true}
document.getElementById('submit').onclick=async()=>{if(!req)return;
 if(!level){document.getElementById('message').textContent=T.pick;return}
 if(await send('api/pad/rate',{level:level,reasons:[...reasons]})){thanks(T.thanks)}};
document.getElementById('skip').onclick=async()=>{if(!req)return;if(await send('api/pad/skip',{}))thanks(T.skipped)};
function thanks(text){done=true;document.getElementById('thanks').textContent=text;show('thanks');req=null;
 setTimeout(()=>{done=false;poll()},3000)}
poll();setInterval(poll,1000);
"""


def pad_page(hall_name: str) -> str:
    body = (
        '<div id="idle">{idle}</div>'
        '<div id="rate" class="hidden"><p id="info"></p><div id="levels"></div>'
        '<p class="note">{reasons}</p><div id="reasons"></div>'
        '<p class="note" id="message"></p><div id="actions">'
        '<button id="skip">{skip}</button>'
        '<button id="submit" disabled>{submit}</button></div></div>'
        '<div id="thanks" class="hidden"></div>'
    ).format(
        idle=html.escape(_("欢迎您！办理完成后可在此评价本次服务")),
        reasons=html.escape(_("您的意见（可多选，可不选）")),
        skip=html.escape(_("不评价")),
        submit=html.escape(_("提交评价")),
    )
    texts = {
        "info": _("受理编号：{number}　办理事项：{item}"),
        "pick": _("请先选择满意程度。"),
        "thanks": _("感谢您的评价！"),
        "skipped": _("谢谢，欢迎再次光临！"),
        "failed": _("评价未能提交，请告知窗口工作人员"),
        "unpaired": _("本评价器未与窗口配对，请工作人员在窗口设置中打开配对链接"),
    }
    title = _("{hall} 服务评价").format(hall=hall_name)
    return _page(title, _PAD_CSS, body, texts, _PAD_JS)
